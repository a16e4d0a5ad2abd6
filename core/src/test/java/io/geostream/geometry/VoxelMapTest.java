package io.geostream.geometry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class VoxelMapTest {

    @Test
    void averagesPositionAndColourWeightedByConfidence() {
        VoxelMap m = new VoxelMap(1.0, 10);
        m.add(0.2, 0.2, 0.2, 0, 0, 0, 1.0);
        m.add(0.8, 0.6, 0.4, 200, 100, 40, 3.0);
        VoxelMap.Cloud c = m.toCloud();
        assertThat(c.size()).isEqualTo(1);
        assertThat(c.xyz()[0]).isCloseTo(0.65f, within(1e-6f));
        assertThat(c.xyz()[1]).isCloseTo(0.5f, within(1e-6f));
        assertThat(c.xyz()[2]).isCloseTo(0.35f, within(1e-6f));
        assertThat(c.rgb()[0] & 0xFF).isEqualTo(150);
        assertThat(c.rgb()[1] & 0xFF).isEqualTo(75);
        assertThat(c.rgb()[2] & 0xFF).isEqualTo(30);
    }

    @Test
    void normalsAreTheRenormalisedWeightedMeanAndNoneWhereNoPointHadOne() {
        VoxelMap m = new VoxelMap(1.0, 10, true);
        assertThat(m.hasNormals()).isTrue();
        m.add(0.2, 0.2, 0.2, 0, 0, 0, 1, 0, 0, 1.0);
        m.add(0.8, 0.6, 0.4, 200, 100, 40, 0, 1, 0, 3.0);
        m.add(0.5, 0.5, 0.5, 0, 0, 0, Double.NaN, 0, 0, 2.0); // no normal: counts for position and colour only
        m.add(5.5, 0.5, 0.5, 10, 10, 10, 2.0);                 // a voxel without any normal
        VoxelMap.Cloud c = m.toCloud();
        assertThat(c.size()).isEqualTo(2);
        float[] n = c.normals();
        double s = Math.sqrt(10);
        assertThat(n[0]).isCloseTo((float) (1 / s), within(1e-6f));
        assertThat(n[1]).isCloseTo((float) (3 / s), within(1e-6f));
        assertThat(n[2]).isZero();
        assertThat(c.xyz()[0]).isCloseTo((0.2f + 3 * 0.8f + 2 * 0.5f) / 6, within(1e-6f));
        assertThat(new float[] {n[3], n[4], n[5]}).containsExactly(0f, 0f, 0f);
        assertThat(new VoxelMap(1.0, 10).toCloud().normals()).isNull();
    }

    @Test
    void separatesVoxelsIncludingNegativeCoordinatesAndIgnoresInvalidPoints() {
        VoxelMap m = new VoxelMap(0.5, 100);
        m.add(0.1, 0.1, 0.1, 1, 1, 1, 1);
        m.add(-0.1, 0.1, 0.1, 1, 1, 1, 1); // floor(-0.2) = -1: another voxel
        m.add(0.6, 0.1, 0.1, 1, 1, 1, 1);
        m.add(0.2, 0.2, 0.2, 1, 1, 1, 1); // same voxel as the first
        assertThat(m.add(Double.NaN, 0, 0, 1, 1, 1, 1)).isFalse();
        assertThat(m.add(0, 0, 0, 1, 1, 1, 0)).isFalse();
        assertThat(m.add(0, 0, 0, 1, 1, 1, Double.NaN)).isFalse();
        assertThat(m.add(1e9, 0, 0, 1, 1, 1, 1)).isFalse();
        assertThat(m.size()).isEqualTo(3);
        assertThat(m.pointsAdded()).isEqualTo(4);
        assertThat(m.pointsOutOfRange()).isEqualTo(1);
    }

    @Test
    void growsPastItsInitialTableAndKeepsEveryVoxel() {
        VoxelMap m = new VoxelMap(1.0, 1_000_000);
        for (int x = -30; x < 30; x++)
            for (int y = -30; y < 30; y++)
                for (int z = 0; z < 10; z++) m.add(x + 0.5, y + 0.5, z + 0.5, x & 0xFF, y & 0xFF, z, 1);
        assertThat(m.size()).isEqualTo(60 * 60 * 10);
        VoxelMap.Cloud c = m.toCloud();
        double sum = 0;
        for (int i = 0; i < c.size(); i++) sum += c.xyz()[3 * i + 2];
        assertThat(sum / c.size()).isCloseTo(5.0, within(1e-6));
    }

    @Test
    void capStopsGrowthWithAClearMessage() {
        VoxelMap m = new VoxelMap(1.0, 2);
        m.add(0.5, 0.5, 0.5, 0, 0, 0, 1);
        m.add(1.5, 0.5, 0.5, 0, 0, 0, 1);
        m.add(1.6, 0.5, 0.5, 0, 0, 0, 1); // existing voxel: still fine
        assertThatThrownBy(() -> m.add(2.5, 0.5, 0.5, 0, 0, 0, 1))
                .isInstanceOf(VoxelMap.VoxelCapExceededException.class).hasMessageContaining("2 voxels").hasMessageContaining("--max-voxels");
        assertThat(m.size()).isEqualTo(2);
    }

    @Test
    void addFrameUsesConfidenceOrUnitWeights() {
        float[] xyz = {0.1f, 0, 0, 0.3f, 0, 0, 5, 5, 5};
        byte[] rgb = {10, 10, 10, 30, 30, 30, 1, 2, 3};
        VoxelMap weighted = new VoxelMap(1.0, 10);
        assertThat(weighted.addFrame(xyz, new float[] {1, 3, 0}, rgb)).isEqualTo(2); // zero confidence dropped
        assertThat(weighted.size()).isEqualTo(1);
        assertThat(weighted.toCloud().rgb()[0]).isEqualTo((byte) 25);
        VoxelMap unit = new VoxelMap(1.0, 10);
        assertThat(unit.addFrame(xyz, null, rgb)).isEqualTo(3);
        assertThat(unit.toCloud().rgb()[0]).isEqualTo((byte) 20);
        assertThatThrownBy(() -> unit.addFrame(xyz, new float[2], rgb)).isInstanceOf(IllegalArgumentException.class);
    }
}
