package io.geostream.inference;

import io.geostream.model.GeometryModel;

import java.io.Serializable;

/** Creates a model instance for one worker thread (each worker owns one; DJL predictors are not thread-safe). */
@FunctionalInterface
public interface ModelFactory extends Serializable {
    GeometryModel create() throws Exception;
}
