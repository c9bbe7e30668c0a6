package org.safetynets.layer;

import org.junit.jupiter.api.Test;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.PaperArchitecture;
import org.safetynets.tensor.Shape;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Networks of one model for several batch sizes share what does not depend on the batch. */
class NetworkTest {
    private static List<DenseProtocol> denseSteps(Network network) {
        return network.steps().stream().map(Network.Step::protocol).filter(p -> p instanceof DenseProtocol).map(p -> (DenseProtocol) p).toList();
    }

    @Test
    void networksOfOneModelHoldEachPaddedWeightMatrixOnce() {
        Model model = PaperArchitecture.denseFullyConnected("fc", Shape.vector(20), new int[] {20, 12, 8, 5}, 1);
        Network first = Network.compile(model, 4);
        Network second = Network.compile(model, 64, first);
        Network alone = Network.compile(model, 64);
        List<DenseProtocol> a = denseSteps(first);
        List<DenseProtocol> b = denseSteps(second);
        List<DenseProtocol> c = denseSteps(alone);
        assertEquals(3, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertSame(b.get(i).paddedWeights(), a.get(i).paddedWeights(), "dense step " + i);
            assertNotSame(c.get(i).paddedWeights(), a.get(i).paddedWeights(), "dense step " + i + " of a network compiled alone");
            assertArrayEquals(c.get(i).paddedWeights(), a.get(i).paddedWeights(), "dense step " + i);
        }
        assertEquals(alone.proofWords(), second.proofWords());
        assertEquals(alone.steps().stream().map(Network.Step::outputMagnitude).toList(), second.steps().stream().map(Network.Step::outputMagnitude).toList());
    }

    @Test
    void aNetworkOfAnotherModelIsNotSharedWith() {
        Network other = Network.compile(DemoNetwork.build(2), 4);
        // an equal model, but another object: its weights are not known to stay equal
        assertThrows(IllegalArgumentException.class, () -> Network.compile(DemoNetwork.build(1), 8, Network.compile(DemoNetwork.build(1), 4)));
        assertThrows(IllegalArgumentException.class, () -> Network.compile(DemoNetwork.build(1), 8, other));
    }
}
