package org.safetynets.cli;

import org.safetynets.SafetyNetsException;
import org.safetynets.data.MnistData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * The {@code safetynets} command: picocli subcommands over the core API. Every failure a user can cause is a
 * {@link SafetyNetsException} and becomes one line on stderr; only a bug shows a stack trace, and only on request.
 */
@Command(name = "safetynets",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Verifiable neural-network inference: sum-check proofs over F_p, p = 2^61 - 1.",
        subcommands = {ProveCommand.class, VerifyCommand.class, DemoCommand.class, QuantizeCommand.class, EvaluateCommand.class,
            BackendsCommand.class, InspectCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nAlso:%n",
        footer = {"  train     Trains one of the paper's x^2 networks on MNIST, written as ONNX",
            "              (bin/safetynets train --help; it runs from the train module's",
            "              own jar, which carries DJL and PyTorch).",
            "",
            "Exit status:",
            "  0  success (verify: the proof was accepted)",
            "  1  the proof was rejected",
            "  2  a usage error, a missing or malformed file, an unavailable backend, too small a heap",
            "  3  an internal error (set SAFETYNETS_DEBUG=1 for its stack trace)"})
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int REJECTED = 1;
    public static final int ERROR = 2;
    public static final int INTERNAL_ERROR = 3;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(out, err, args));
    }

    /** Runs one command line in-process with the given streams and returns its exit status. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return execute(MnistData.Lookup.system(), out, err, args);
    }

    /** The same, with the default MNIST directory looked for through {@code mnistLookup} instead of this process's environment. */
    static int execute(MnistData.Lookup mnistLookup, PrintWriter out, PrintWriter err, String... args) {
        if (asksForTrain(args)) {
            err.println("error: train runs from the train module's own jar, which carries DJL and PyTorch: "
                    + "use bin/safetynets train (bin/safetynets help train for its options)");
            err.flush();
            return ERROR;
        }
        return execute(new CommandLine(new Main(), new Factory(mnistLookup)), Main::handle, out, err, args);
    }

    /**
     * Runs {@code commandLine} with these streams and this handler of the exceptions its commands throw, and flushes
     * both streams: the entry point of every jar's command line (this one, the service's, the Spark jobs').
     */
    public static int execute(CommandLine commandLine, CommandLine.IExecutionExceptionHandler handler, PrintWriter out, PrintWriter err,
                              String... args) {
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler(handler);
        try {
            return commandLine.execute(args);
        } catch (OutOfMemoryError e) {
            // An Error passes picocli's handler; without this the JVM would print its stack trace at the user.
            err.println("error: out of memory: " + oneLine(String.valueOf(e.getMessage())) + " (the JVM's heap is "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB; give it more with SAFETYNETS_JAVA_OPTS=-Xmx..., or use a smaller batch)");
            return ERROR;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * {@code train} or {@code help train}: train is not in this jar (bin/safetynets runs it from the train module's),
     * so this jar says where it is instead of "unknown subcommand".
     */
    static boolean asksForTrain(String... args) {
        return args.length > 0 && (args[0].equals("train") || args[0].equals("help") && args.length > 1 && args[1].equals("train"));
    }

    /** With no subcommand: the usage, on stderr, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ERROR;
    }

    /** Picocli's factory, except that the demo gets the MNIST lookup through its constructor. */
    private record Factory(MnistData.Lookup mnistLookup) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == DemoCommand.class) return type.cast(new DemoCommand(mnistLookup));
            return CommandLine.defaultFactory().create(type);
        }
    }

    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof SafetyNetsException) {
            err.println("error: " + oneLine(e.getMessage()));
            return ERROR;
        }
        return internalError(e, err);
    }

    /** An exception no command expected: one line, the stack trace only with SAFETYNETS_DEBUG set; exit code 3. */
    public static int internalError(Exception e, PrintWriter err) {
        err.println("error: internal error: " + oneLine(String.valueOf(e)));
        if (System.getenv("SAFETYNETS_DEBUG") != null) e.printStackTrace(err);
        else err.println("(set SAFETYNETS_DEBUG=1 for the stack trace)");
        return INTERNAL_ERROR;
    }

    /**
     * A message as one printable line: line breaks become spaces, and every other control character (an escape
     * sequence a host or a file put in a label could use to erase the line and print a fake ACCEPT) is shown
     * escaped, as a backslash, u and four hex digits.
     */
    public static String oneLine(String message) {
        if (message == null) return "";
        return escapeControls(message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip());
    }

    /** {@code text} with every control character shown escaped (a backslash, u and four hex digits), for a terminal. */
    public static String escapeControls(String text) {
        StringBuilder shown = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) shown.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            else shown.append(c);
        }
        return shown.toString();
    }

    /** The version Maven filtered into {@code version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) properties.load(in);
            }
            return new String[] {"safetynets " + properties.getProperty("version", "(unknown version)"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
