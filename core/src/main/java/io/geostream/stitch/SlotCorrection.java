package io.geostream.stitch;

import io.geostream.geometry.Sim3;

/**
 * A per-frame correction of a clip's geometry known at one slot (a Flink POJO): the Sim(3) that moves the clip's
 * world prediction of that slot's frame to the consensus with the neighbouring clip's prediction. The corrections
 * of the slots between are interpolated ({@link ChainStitcher}'s per-frame mode).
 */
public class SlotCorrection {
    public int slot;
    public double scale = 1;
    public double[] rotation = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    public double[] translation = {0, 0, 0};

    public SlotCorrection() {}

    public SlotCorrection(int slot, Sim3 correction) {
        this.slot = slot;
        this.scale = correction.scale();
        this.rotation = correction.rotation();
        this.translation = correction.translation();
    }

    public Sim3 sim() {
        return new Sim3(scale, rotation, translation);
    }
}
