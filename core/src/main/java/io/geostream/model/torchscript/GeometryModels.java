package io.geostream.model.torchscript;

import io.geostream.model.ClipRequirements;
import io.geostream.model.GeometryModel;

import java.nio.file.Path;
import java.util.Objects;

/** Opens a TorchScript model package with the class its {@code form} names. */
public final class GeometryModels {
    private GeometryModels() {}

    /**
     * {@link TorchScriptGeometryModel} for {@code "end-to-end"}, {@link DecomposedGeometryModel} for
     * {@code "decomposed"}.
     *
     * @throws IllegalArgumentException when the package is invalid or its form unknown (naming field and file)
     */
    public static GeometryModel open(Path packageDir, String deviceOrNull) {
        Objects.requireNonNull(packageDir, "packageDir");
        if (ModelPackage.FORM_DECOMPOSED.equals(DecomposedPackage.form(packageDir))) {
            return DecomposedGeometryModel.open(packageDir, deviceOrNull);
        }
        return TorchScriptGeometryModel.open(packageDir, deviceOrNull); // reports an unknown form
    }

    /**
     * The clip lengths a package takes, read from its {@code model.json} without loading the modules.
     *
     * @throws IllegalArgumentException when the package is invalid (naming field and file)
     */
    public static ClipRequirements clipRequirements(Path packageDir) {
        Objects.requireNonNull(packageDir, "packageDir");
        if (ModelPackage.FORM_DECOMPOSED.equals(DecomposedPackage.form(packageDir))) {
            return DecomposedPackage.read(packageDir).clipRequirements();
        }
        return ModelPackage.read(packageDir).clipRequirements();
    }

    /** The frame size a package takes and returns ({@code inputWidth} x {@code inputHeight} of model.json). */
    public record InputSize(int width, int height) {}

    /**
     * The package's model size, read from its {@code model.json} without loading the modules: every output of the
     * package is at this size (frames of another size are resized to it, {@code resize: stretch}).
     *
     * @throws IllegalArgumentException when the package is invalid (naming field and file)
     */
    public static InputSize inputSize(Path packageDir) {
        Objects.requireNonNull(packageDir, "packageDir");
        if (ModelPackage.FORM_DECOMPOSED.equals(DecomposedPackage.form(packageDir))) {
            DecomposedPackage p = DecomposedPackage.read(packageDir);
            return new InputSize(p.inputWidth(), p.inputHeight());
        }
        ModelPackage p = ModelPackage.read(packageDir);
        return new InputSize(p.inputWidth(), p.inputHeight());
    }
}
