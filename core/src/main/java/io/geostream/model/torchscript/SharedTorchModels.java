package io.geostream.model.torchscript;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-JVM registry of loaded TorchScript modules, shared by reference count. A module's weights are
 * loaded once per (real package path, module file, device) however many worker threads use it (a decomposed
 * package holds three modules, each its own entry); each thread keeps its
 * own {@code Predictor} (DJL predictors are not thread-safe, the loaded module is). The last
 * {@link #release} closes the model and frees its native memory.
 *
 * <p>All methods are synchronized on the class, and a load runs under that lock: loads are rare (once
 * per package and device per JVM) and this keeps two threads from loading the same weights twice.
 */
public final class SharedTorchModels {

    /** Loads (and may check) a model that is not loaded yet; it must close the model itself if its check fails. */
    @FunctionalInterface
    public interface Loader {
        ZooModel<NDList, NDList> load() throws Exception;
    }

    private record Key(Path directory, String module, Device device) {}

    private static final class Entry {
        final Key key;
        final ZooModel<NDList, NDList> model;
        int references;

        Entry(Key key, ZooModel<NDList, NDList> model) {
            this.key = key;
            this.model = model;
        }
    }

    private static final Map<Key, Entry> BY_KEY = new HashMap<>();
    private static final Map<ZooModel<NDList, NDList>, Entry> BY_MODEL = new IdentityHashMap<>();
    private static int loads;

    private SharedTorchModels() {}

    /**
     * Returns the shared model for the package directory and device, loading it with {@code loader} when
     * nobody holds it yet, and adds one reference. Pair every call with one {@link #release}.
     *
     * @throws IllegalArgumentException when the directory cannot be resolved
     * @throws RuntimeException         what the loader threw (checked exceptions wrapped in
     *                                  {@link IllegalStateException}); nothing is registered then
     */
    public static ZooModel<NDList, NDList> acquire(Path packageDir, Device device, Loader loader) {
        return acquire(packageDir, ModelPackage.GEOMETRY_MODULE, device, loader);
    }

    /** As {@link #acquire(Path, Device, Loader)} for the module file {@code module} of the package. */
    public static synchronized ZooModel<NDList, NDList> acquire(Path packageDir, String module, Device device, Loader loader) {
        Objects.requireNonNull(packageDir, "packageDir");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(loader, "loader");
        Key key = new Key(realPath(packageDir), module, device);
        Entry entry = BY_KEY.get(key);
        if (entry == null) {
            ZooModel<NDList, NDList> model;
            try {
                model = loader.load();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot load model " + key.directory().resolve(module) + " on " + device + ": " + e, e);
            }
            if (model == null) throw new IllegalStateException("loader returned no model for " + key.directory());
            loads++;
            entry = new Entry(key, model);
            BY_KEY.put(key, entry);
            BY_MODEL.put(model, entry);
        }
        entry.references++;
        return entry.model;
    }

    /**
     * Drops one reference to a model returned by {@link #acquire}; the last one closes it.
     *
     * @throws IllegalArgumentException when the model is not (or no longer) held here
     */
    public static synchronized void release(ZooModel<NDList, NDList> model) {
        Objects.requireNonNull(model, "model");
        Entry entry = BY_MODEL.get(model);
        if (entry == null) throw new IllegalArgumentException("model is not held by SharedTorchModels (released twice?)");
        if (--entry.references == 0) {
            BY_MODEL.remove(model);
            BY_KEY.remove(entry.key);
            model.close();
        }
    }

    /** How many times a model was loaded in this JVM (a shared hit does not count); for tests and metrics. */
    public static synchronized int loadCount() {
        return loads;
    }

    /** Current references to the package's model on the device; 0 when it is not loaded. */
    public static int referenceCount(Path packageDir, Device device) {
        return referenceCount(packageDir, ModelPackage.GEOMETRY_MODULE, device);
    }

    /** Current references to the package's module file on the device; 0 when it is not loaded. */
    public static synchronized int referenceCount(Path packageDir, String module, Device device) {
        Objects.requireNonNull(packageDir, "packageDir");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(device, "device");
        Entry entry = BY_KEY.get(new Key(realPath(packageDir), module, device));
        return entry == null ? 0 : entry.references;
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot resolve model package directory " + dir + ": " + e, e);
        }
    }
}
