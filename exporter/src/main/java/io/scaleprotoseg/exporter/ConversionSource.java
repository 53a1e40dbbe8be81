package io.scaleprotoseg.exporter;

import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.imports.ReferenceModel;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.phase.ProjectionResult;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@link CheckpointConverter} reads: a model's description, classes, prototypes, projection
 * sources and patches, state and weights, from a trained checkpoint ({@link #of(TrainedModel)}) or
 * straight from an imported reference model ({@link #of(ReferenceModel, LabelSpace)}, without
 * copying its arrays or starting PyTorch).
 *
 * @param file the file it came from
 * @param importNotes provenance of an import (empty for the trainer's own checkpoints)
 */
public record ConversionSource(Path file, TrainingConfig config, LabelSpace labels, PrototypeTable prototypes,
        ProjectionResult projection, Map<Integer, byte[]> patches, CheckpointState state, Map<String, String> importNotes,
        Weights weights) {
    /** Named float32 tensors; the converter does not modify the arrays it is given. */
    public interface Weights {
        /** The shape of tensor {@code name}, or null when there is none. */
        long[] shape(String name);

        float[] floats(String name);

        default boolean contains(String name) {
            return shape(name) != null;
        }

        /** Weights from a shape lookup (null when absent) and a value lookup. */
        static Weights of(Function<String, long[]> shape, Function<String, float[]> floats) {
            return new Weights() {
                @Override
                public long[] shape(String name) {
                    return shape.apply(name);
                }

                @Override
                public float[] floats(String name) {
                    return floats.apply(name);
                }
            };
        }
    }

    /** A checkpoint read back by the trainer (weights copied out of its parameters as needed). */
    public static ConversionSource of(TrainedModel m) {
        ParameterSet p = m.params();
        Weights w = Weights.of(name -> p.contains(name) ? p.shape(name) : null, p::floats);
        return new ConversionSource(m.file(), m.config(), m.labels(), m.network().prototypes(), m.projection(), m.patches(),
                m.state(), m.importNotes(), w);
    }

    /** A reference model with the given classes; its arrays are used in place. */
    public static ConversionSource of(ReferenceModel ref, LabelSpace labels) {
        TrainingConfig cfg = TrainingConfig.builder("imported", ref.network()).build();
        Weights w = Weights.of(ref::shape, ref::tensorView);
        return new ConversionSource(ref.file(), cfg, labels, ref.prototypes(), null, Map.of(),
                CheckpointState.imported(cfg, labels, ref.prototypes(), ref.datasetName(), ref.grouped()), ref.provenanceNotes(), w);
    }

    /** Whether it was imported from another implementation's file. */
    public boolean isImported() {
        return !importNotes.isEmpty();
    }
}
