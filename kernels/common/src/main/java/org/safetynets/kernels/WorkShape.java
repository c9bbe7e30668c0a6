package org.safetynets.kernels;

/**
 * The work of one launch as groups of work-items: {@code groups0 x groups1 x groups2} work-groups (CUDA: the grid,
 * in blocks) of {@code group0 x group1 x group2} work-items (CUDA: threads per block). OpenCL's global size is
 * {@code groups * group} per dimension. Kernels read only the first {@code dimensions} dimensions; the others are 1.
 */
public record WorkShape(int dimensions, long groups0, long groups1, long groups2, int group0, int group1, int group2) {
    public WorkShape {
        if (dimensions < 1 || dimensions > 3) throw new IllegalArgumentException("1 to 3 dimensions, not " + dimensions);
        if (groups0 < 1 || groups1 < 1 || groups2 < 1 || group0 < 1 || group1 < 1 || group2 < 1) {
            throw new IllegalArgumentException("empty work shape " + groups0 + "x" + groups1 + "x" + groups2 + " groups of "
                    + group0 + "x" + group1 + "x" + group2);
        }
        if ((dimensions < 2 && (groups1 != 1 || group1 != 1)) || (dimensions < 3 && (groups2 != 1 || group2 != 1))) {
            throw new IllegalArgumentException("a " + dimensions + "-dimensional launch with extent in a higher dimension");
        }
    }

    /** {@code items} work-items in groups of {@code group}: enough groups to cover them (kernels guard the tail). */
    public static WorkShape cover(long items, int group) {
        return new WorkShape(1, ceilDiv(items, group), 1, 1, group, 1, 1);
    }

    /** The 2-dimensional {@link #cover(long, int)}. */
    public static WorkShape cover2d(long items0, long items1, int group0, int group1) {
        return new WorkShape(2, ceilDiv(items0, group0), ceilDiv(items1, group1), 1, group0, group1, 1);
    }

    /**
     * Exactly {@code items0 x items1 x items2} work-items in groups of {@code group0 x 1 x 1}: for kernels that derive
     * sizes from the launch (conv2d reads the padded batch as NUM_GROUPS(0) * LOCAL_SIZE(0)), so nothing is rounded.
     */
    public static WorkShape exact3d(long items0, long items1, long items2, int group0) {
        if (items0 % group0 != 0) throw new IllegalArgumentException(items0 + " work-items do not split into groups of " + group0);
        return new WorkShape(3, items0 / group0, items1, items2, group0, 1, 1);
    }

    private static long ceilDiv(long items, int group) {
        if (items < 1) throw new IllegalArgumentException("a launch needs at least one work-item, not " + items);
        return (items + group - 1) / group;
    }

    /** OpenCL's global work size: work-items per dimension, {@code dimensions} entries. */
    public long[] globalSize() {
        long[] all = {groups0 * group0, groups1 * group1, groups2 * group2};
        return java.util.Arrays.copyOf(all, dimensions);
    }

    /** OpenCL's local work size, {@code dimensions} entries. */
    public long[] localSize() {
        long[] all = {group0, group1, group2};
        return java.util.Arrays.copyOf(all, dimensions);
    }
}
