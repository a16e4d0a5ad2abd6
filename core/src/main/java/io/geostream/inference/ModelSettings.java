package io.geostream.inference;

import io.geostream.model.ClipRequirements;
import io.geostream.model.GeometryModel;
import io.geostream.model.simulated.SimulatedGeometryModel;
import io.geostream.model.simulated.SimulatedModelSettings;
import io.geostream.model.torchscript.GeometryModels;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Which model the job runs: {@code simulated} (the measuring instrument that re-renders synthetic
 * truth) or a TorchScript package directory of either form (end-to-end or decomposed, picked by its
 * model.json). Serialisable, so each worker creates its own instance.
 */
public final class ModelSettings implements ModelFactory {
    private static final long serialVersionUID = 1L;

    public static final String SIMULATED = "simulated";

    private final String model;
    private final String device;

    private ModelSettings(String model, String device) {
        this.model = model;
        this.device = device;
    }

    /**
     * @param model  {@code simulated} or the path of a model package directory
     * @param device {@code cpu}, {@code gpu:N} or null for the default
     */
    public static ModelSettings of(String model, String device) {
        Objects.requireNonNull(model, "model");
        if (!SIMULATED.equals(model) && !Files.isDirectory(Path.of(model))) {
            throw new IllegalArgumentException("model must be 'simulated' or a model package directory; not a directory: " + model);
        }
        return new ModelSettings(model, device);
    }

    public boolean isSimulated() {
        return SIMULATED.equals(model);
    }

    public String model() {
        return model;
    }

    /** The configured device, or null when none was set (the operator then picks a GPU or the CPU). */
    public String device() {
        return device;
    }

    /** The same model on another device ({@code cpu}, {@code gpu:N}). */
    public ModelSettings withDevice(String newDevice) {
        return new ModelSettings(model, newDevice);
    }

    /** The clip lengths the model takes (its package's model.json; any for the simulated model). */
    public ClipRequirements clipRequirements() {
        return isSimulated() ? ClipRequirements.ANY : GeometryModels.clipRequirements(Path.of(model));
    }

    @Override
    public GeometryModel create() throws Exception {
        if (isSimulated()) {
            return new SimulatedGeometryModel(SimulatedModelSettings.defaults());
        }
        return GeometryModels.open(Path.of(model), device); // the class its model.json form names
    }

    @Override
    public String toString() {
        return isSimulated() ? SIMULATED : "torchscript:" + model + (device == null ? "" : "@" + device);
    }
}
