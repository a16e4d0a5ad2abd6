package io.geostream.model;

import java.io.Serializable;
import java.util.Objects;
import java.util.regex.Pattern;

/** Name and version of a geometry model; both become part of object-store keys, so they are restricted. */
public final class ModelInfo implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String id;
    private final String version;
    private final boolean hasConfidence;

    public ModelInfo(String id, String version, boolean hasConfidence) {
        if (id == null || !SAFE.matcher(id).matches()) {
            throw new IllegalArgumentException("model id must match " + SAFE + ", got: " + id);
        }
        if (version == null || !SAFE.matcher(version).matches()) {
            throw new IllegalArgumentException("model version must match " + SAFE + ", got: " + version);
        }
        this.id = id;
        this.version = version;
        this.hasConfidence = hasConfidence;
    }

    public String id() { return id; }
    public String version() { return version; }
    public boolean hasConfidence() { return hasConfidence; }

    /** {@code id@version}, the form used in logs and object keys. */
    public String qualifiedName() { return id + "@" + version; }

    @Override public boolean equals(Object o) {
        return o instanceof ModelInfo m && m.id.equals(id) && m.version.equals(version) && m.hasConfidence == hasConfidence;
    }
    @Override public int hashCode() { return Objects.hash(id, version, hasConfidence); }
    @Override public String toString() { return qualifiedName(); }
}
