package io.geostream.synthetic;

/** How the synthetic camera moves through the room. */
public enum TrajectoryKind {
    /** Circles inside the room on an ellipse, always looking at the room's centre. */
    ORBIT,
    /** Walks forward along a wavy loop with gentle turns and a slight head bob, looking ahead. */
    WALK,
    /** {@link #WALK} plus a small smooth hand shake in position (about 1.5 cm) and angle (about 1 deg). */
    HANDHELD
}
