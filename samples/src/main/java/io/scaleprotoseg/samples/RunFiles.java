package io.scaleprotoseg.samples;

import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.checkpoint.CheckpointException;
import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.checkpoint.RunDirectory;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the command line reads from and writes to a run directory ({@link RunDirectory} holds the
 * layout) without loading a network: the configuration the trainer wrote, the state of a
 * checkpoint, and the command line's own record of the data a run was started on.
 */
final class RunFiles {
    /**
     * The data arguments of {@code train}, kept in the run directory so that {@code train --resume}
     * and {@code eval} find the same data without the options being repeated.
     *
     * @param data the root folder (absolute), or null for generated data
     * @param format the format as given, or null
     * @param options the --data-option entries
     * @param scenesTrain --scenes-train, or null
     * @param scenesVal --scenes-val, or null
     * @param scenesTest test images of the built-in scenes (demo --scenes-test), or null
     */
    record DataRecord(String data, String format, List<String> options, Integer scenesTrain, Integer scenesVal,
            Integer scenesTest) {
    }

    private RunFiles() {
    }

    static void writeData(Path runDir, DataRecord r) throws IOException {
        Files.createDirectories(runDir);
        Files.writeString(new RunDirectory(runDir).data(), Checkpoint.json().writeValueAsString(r) + System.lineSeparator());
    }

    /** The saved data arguments, or null when the run has none (or they cannot be read). */
    static DataRecord readData(Path runDir) {
        Path file = new RunDirectory(runDir).data();
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Checkpoint.json().readValue(file.toFile(), DataRecord.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** The training configuration a run was started with, or null when it has none. */
    static TrainingConfig config(Path runDir) {
        Path file = new RunDirectory(runDir).config();
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Checkpoint.json().readValue(file.toFile(), TrainingConfig.class);
        } catch (IOException e) {
            throw new UserError("run directory " + runDir + ": " + file + " cannot be read as a training configuration ("
                    + e.getMessage() + "); resume with the original options or start a new run directory", e);
        }
    }

    /**
     * The state of a checkpoint (phase, step, data set name, ...) without its tensors, or null
     * when it is missing or unreadable (the trainer then reports the problem itself).
     */
    static CheckpointState state(Path checkpoint) {
        if (!Files.isRegularFile(checkpoint)) {
            return null;
        }
        try {
            return Checkpoint.readState(checkpoint);
        } catch (CheckpointException e) {
            return null;
        }
    }
}
