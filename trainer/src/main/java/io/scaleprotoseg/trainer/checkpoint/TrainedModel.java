package io.scaleprotoseg.trainer.checkpoint;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.ProjectionResult;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained network read back from a checkpoint, with what the evaluation and the exporter need:
 * its configuration, classes, prototype table, projection sources and patches, and the raw state.
 * Owns its parameters; close it to free them.
 */
public final class TrainedModel implements AutoCloseable {
    private final Path file;
    private final TrainingConfig config;
    private final LabelSpace labels;
    private final ParameterSet params;
    private final SegmentationNetwork network;
    private final ProjectionResult projection;
    private final Map<Integer, byte[]> patches;
    private final CheckpointState state;
    private final Map<String, String> importNotes;

    private TrainedModel(Path file, TrainingConfig config, LabelSpace labels, ParameterSet params, SegmentationNetwork network,
            ProjectionResult projection, Map<Integer, byte[]> patches, CheckpointState state, Map<String, String> importNotes) {
        this.importNotes = Map.copyOf(importNotes);
        this.file = file;
        this.config = config;
        this.labels = labels;
        this.params = params;
        this.network = network;
        this.projection = projection;
        this.patches = patches;
        this.state = state;
    }

    /**
     * The finished model of a run directory ({@link RunDirectory#finishedCheckpoint()}).
     *
     * @throws CheckpointException when the run has not finished, saying how to finish it
     */
    public static Path finalCheckpoint(Path runDir) throws CheckpointException {
        return new RunDirectory(runDir).finishedCheckpoint();
    }

    /**
     * Reads a checkpoint into parameters owned by a sub-manager of {@code parent}.
     *
     * @throws CheckpointException naming the file when it is unreadable or inconsistent
     */
    public static TrainedModel load(Path file, NDManager parent) throws CheckpointException {
        ParameterSet params = new ParameterSet(parent);
        try {
            Checkpoint.Contents c = Checkpoint.read(file, params, null);
            CheckpointState s = c.state();
            TrainingConfig cfg = s.config();
            LabelSpace labels = s.classes();
            PrototypeTable table = s.prototypes();
            if (cfg.network().method().hasPrototypes()) {
                long rows = params.contains("prototypes") ? params.shape("prototypes")[0] : -1;
                if (rows != table.size()) {
                    throw new CheckpointException("checkpoint " + file + " lists " + table.size()
                            + " prototypes but holds a 'prototypes' tensor of " + rows + " rows");
                }
            }
            ProjectionResult projection = s.projection();
            Map<Integer, byte[]> patches = new LinkedHashMap<>();
            c.patches().forEach((id, bytes) -> patches.put(Integer.valueOf(id), bytes));
            if (cfg == null || labels == null || table == null) {
                throw new CheckpointException("checkpoint " + file + " lacks its configuration, classes or prototype table");
            }
            SegmentationNetwork net = new SegmentationNetwork(cfg.network(), params, table);
            return new TrainedModel(file, cfg, labels, params, net, projection, patches, s, Map.of());
        } catch (CheckpointException e) {
            params.close();
            throw e;
        } catch (RuntimeException e) {
            params.close();
            throw new CheckpointException("checkpoint " + file + " is inconsistent: " + e.getMessage(), e);
        }
    }

    /**
     * A model imported from another implementation's file (no projection, patches or training
     * history): it owns {@code params}.
     *
     * @param dataset what to name as its data set, e.g. "ScaleProtoSeg group model imported from x.pth"
     * @param stageTwo whether it has the group layer
     * @param importNotes provenance of the import (source file, SHA-256, ...) for the model card
     */
    public static TrainedModel imported(Path file, TrainingConfig config, LabelSpace labels, ParameterSet params,
            PrototypeTable table, String dataset, boolean stageTwo, Map<String, String> importNotes) {
        CheckpointState state = CheckpointState.imported(config, labels, table, dataset, stageTwo);
        SegmentationNetwork net = new SegmentationNetwork(config.network(), params, table);
        return new TrainedModel(file, config, labels, params, net, null, Map.of(), state, importNotes);
    }

    /** Whether it was imported from another implementation's file ({@link #imported}). */
    public boolean isImported() {
        return !importNotes.isEmpty();
    }

    /** Provenance of an import (empty for the trainer's own checkpoints). */
    public Map<String, String> importNotes() {
        return importNotes;
    }

    public Path file() {
        return file;
    }

    public TrainingConfig config() {
        return config;
    }

    public LabelSpace labels() {
        return labels;
    }

    public ParameterSet params() {
        return params;
    }

    public SegmentationNetwork network() {
        return network;
    }

    /** Projection sources, or null when the model was not projected (DeepLabv2). */
    public ProjectionResult projection() {
        return projection;
    }

    /** Prototype patches (PNG) by prototype id. */
    public Map<Integer, byte[]> patches() {
        return patches;
    }

    /** The checkpoint's state (phase, steps, best score, validation, data set). */
    public CheckpointState state() {
        return state;
    }

    @Override
    public void close() {
        params.close();
    }
}
