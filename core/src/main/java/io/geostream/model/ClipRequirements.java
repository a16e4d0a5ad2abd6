package io.geostream.model;

/**
 * The clip lengths a model takes: a fixed T ({@code clipFrames} of model.json), or any T that its temporal compression
 * divides after the first frame, (T - 1) % temporalCompression == 0 (a causal video VAE encodes the first frame alone,
 * see docs/model-contract.md). Known from the package without loading it, so a job can be refused at build time
 * instead of dead-lettering every clip as MODEL_INPUT_REJECTED.
 *
 * @param clipFrames          the only T the model takes, or 0 for any T that fits the temporal compression
 * @param temporalCompression frames per latent frame after the first; 1 = any T
 */
public record ClipRequirements(int clipFrames, int temporalCompression) {

    /** A model that takes clips of any length (the simulated model, end-to-end packages with clipFrames 0). */
    public static final ClipRequirements ANY = new ClipRequirements(0, 1);

    public ClipRequirements {
        if (clipFrames < 0) throw new IllegalArgumentException("clipFrames must be >= 0, got " + clipFrames);
        if (temporalCompression < 1) throw new IllegalArgumentException("temporalCompression must be >= 1, got " + temporalCompression);
    }

    /** Whether clips of {@code frames} frames can feed the model. */
    public boolean accepts(int frames) {
        if (frames < 1) return false;
        if (clipFrames != 0) return frames == clipFrames;
        return (frames - 1) % temporalCompression == 0;
    }

    /** The clip length nearest {@code preferred} the model takes (the shorter one on a tie): for a default. */
    public int lengthNear(int preferred) {
        if (clipFrames != 0) return clipFrames;
        if (accepts(preferred)) return preferred;
        int below = preferred - (preferred - 1) % temporalCompression; // the largest 1 + k * tc <= preferred
        int above = below + temporalCompression;
        return below > 1 && preferred - below <= above - preferred ? below : above;
    }

    /** "16 frames", "1 + 4k frames" or "any number of frames", for messages. */
    public String describe() {
        if (clipFrames != 0) return clipFrames + " frames";
        if (temporalCompression == 1) return "any number of frames";
        return "1 + " + temporalCompression + "k frames";
    }
}
