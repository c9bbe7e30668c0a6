package org.safetynets.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Launch sizes as both device APIs read them: OpenCL's global and local sizes, CUDA's grid and blocks. */
class WorkShapeTest {
    @Test
    void coverRoundsUpToWholeGroups() {
        WorkShape s = WorkShape.cover(1000, 256);
        assertEquals(new WorkShape(1, 4, 1, 1, 256, 1, 1), s);
        assertArrayEquals(new long[] {1024}, s.globalSize());
        assertArrayEquals(new long[] {256}, s.localSize());
        assertEquals(1, WorkShape.cover(1, 64).groups0());
        assertEquals(2, WorkShape.cover(65, 64).groups0());
    }

    @Test
    void cover2dRoundsEachDimension() {
        WorkShape s = WorkShape.cover2d(83, 37, 16, 16);
        assertEquals(new WorkShape(2, 6, 3, 1, 16, 16, 1), s);
        assertArrayEquals(new long[] {96, 48}, s.globalSize());
        assertArrayEquals(new long[] {16, 16}, s.localSize());
    }

    @Test
    void exact3dKeepsTheSizesTheKernelsReadOffTheLaunch() {
        WorkShape s = WorkShape.exact3d(256, 49, 8, 64);
        assertEquals(new WorkShape(3, 4, 49, 8, 64, 1, 1), s);
        assertArrayEquals(new long[] {256, 49, 8}, s.globalSize());
        assertArrayEquals(new long[] {64, 1, 1}, s.localSize());
        assertThrows(IllegalArgumentException.class, () -> WorkShape.exact3d(96, 1, 1, 64));
    }

    @Test
    void refusesEmptyAndInconsistentShapes() {
        assertThrows(IllegalArgumentException.class, () -> WorkShape.cover(0, 64));
        assertThrows(IllegalArgumentException.class, () -> new WorkShape(1, 1, 2, 1, 64, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new WorkShape(4, 1, 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new WorkShape(2, 1, 1, 1, 0, 1, 1));
    }
}
