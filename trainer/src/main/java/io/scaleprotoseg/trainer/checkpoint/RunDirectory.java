package io.scaleprotoseg.trainer.checkpoint;

import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The layout of a training run's directory, written down once:
 * <pre>
 * RUN_DIR/config.json           the training configuration the run was started with
 * RUN_DIR/data.json             the command line's record of the data arguments
 * RUN_DIR/metrics.jsonl         one JSON line per update and per validation
 * RUN_DIR/checkpoints/last.ckpt the latest state (resume from here)
 * RUN_DIR/checkpoints/best.ckpt the best validation mIoU so far
 * RUN_DIR/checkpoints/stage1.ckpt  the finished stage 1
 * RUN_DIR/checkpoints/stage2.ckpt  the finished stage 2 (ScaleProtoSeg with groups)
 * </pre>
 * The finished model of a run is stage 2 when its configuration has a stage 2
 * ({@link TrainingConfig#hasStageTwo()}), stage 1 otherwise. Immutable.
 *
 * @param root the run directory
 */
public record RunDirectory(Path root) {
    public static final String CONFIG = "config.json";
    public static final String DATA = "data.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String CHECKPOINTS = "checkpoints";

    public Path config() {
        return root.resolve(CONFIG);
    }

    public Path data() {
        return root.resolve(DATA);
    }

    public Path metrics() {
        return root.resolve(METRICS);
    }

    public Path checkpoints() {
        return root.resolve(CHECKPOINTS);
    }

    /** The latest checkpoint, written every few updates and at each phase end. */
    public Path last() {
        return checkpoints().resolve("last.ckpt");
    }

    /** The checkpoint with the best validation mIoU so far. */
    public Path best() {
        return checkpoints().resolve("best.ckpt");
    }

    /** The finished stage 1. */
    public Path stageOne() {
        return checkpoints().resolve("stage1.ckpt");
    }

    /** The finished stage 2. */
    public Path stageTwo() {
        return checkpoints().resolve("stage2.ckpt");
    }

    /** The checkpoint a finished run of {@code config} ends with. */
    public Path finalCheckpoint(TrainingConfig config) {
        return config.hasStageTwo() ? stageTwo() : stageOne();
    }

    /**
     * The finished model of this run, by its own configuration (from the last checkpoint, or
     * {@code config.json}).
     *
     * @throws CheckpointException when the run has not finished, saying how to finish it
     */
    public Path finishedCheckpoint() throws CheckpointException {
        TrainingConfig config = null;
        if (Files.isRegularFile(last())) {
            config = Checkpoint.readState(last()).config();
        } else if (Files.isRegularFile(config())) {
            try {
                config = Checkpoint.json().readValue(config().toFile(), TrainingConfig.class);
            } catch (IOException e) {
                throw new CheckpointException("run directory " + root + ": " + config() + " cannot be read ("
                        + e.getMessage() + ")", e);
            }
        }
        if (config == null) {
            throw new CheckpointException("directory " + root + " holds no training run (no " + CHECKPOINTS + "/last.ckpt"
                    + " and no " + CONFIG + "); train one with 'scaleprotoseg train --out " + root + "'");
        }
        Path done = finalCheckpoint(config);
        if (!Files.isRegularFile(done)) {
            throw new CheckpointException("run directory " + root + " has not finished (no " + root.relativize(done)
                    + (config.hasStageTwo() && Files.isRegularFile(stageOne()) ? "; stage 1 is done" : "")
                    + "); finish it with 'scaleprotoseg train --out " + root + " --resume'");
        }
        return done;
    }

    /**
     * The files that show a run is there (configuration, logged updates, checkpoints), for
     * messages; empty for a directory without a run. A start that failed before training leaves
     * only an empty metrics log, which does not count.
     */
    public List<String> runMarkers() {
        List<String> out = new ArrayList<>();
        if (Files.exists(config())) {
            out.add(CONFIG);
        }
        try {
            if (Files.exists(metrics()) && (!Files.isRegularFile(metrics()) || Files.size(metrics()) > 0)) {
                out.add(METRICS);
            }
        } catch (IOException e) {
            out.add(METRICS);
        }
        if (Files.exists(checkpoints())) {
            out.add(CHECKPOINTS + "/");
        }
        return out;
    }

    /**
     * Deletes the temporary files of checkpoint writes that a killed process left behind
     * ({@code checkpoints/*.ckpt*.tmp}); returns their names.
     */
    public List<String> removeStaleTemporaries() throws IOException {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(checkpoints())) {
            return removed;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(checkpoints(), "*.ckpt*.tmp")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
                removed.add(p.getFileName().toString());
            }
        }
        Collections.sort(removed);
        return removed;
    }

    /** Whether the directory holds (part of) a training run. */
    public boolean holdsRun() {
        return !runMarkers().isEmpty();
    }
}
