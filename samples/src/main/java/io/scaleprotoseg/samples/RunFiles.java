package io.scaleprotoseg.samples;

import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What the command line reads from a run directory without loading a network: the configuration
 * the trainer wrote ({@code config.json}) and the bookkeeping state of a checkpoint
 * ({@code state.json} inside the checkpoint zip).
 */
final class RunFiles {
    static final String CONFIG = "config.json";
    static final String METRICS = "metrics.jsonl";
    static final String CHECKPOINTS = "checkpoints";

    /** The command line's record of the data a run was started on (not the trainer's). */
    static final String DATA = "data.json";

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

    static void writeData(Path runDir, DataRecord r) throws IOException {
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve(DATA), Checkpoint.json().writeValueAsString(r) + System.lineSeparator());
    }

    /** The saved data arguments, or null when the run has none (or they cannot be read). */
    static DataRecord readData(Path runDir) {
        Path file = runDir.resolve(DATA);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Checkpoint.json().readValue(file.toFile(), DataRecord.class);
        } catch (IOException e) {
            return null;
        }
    }


    private RunFiles() {
    }

    /**
     * Whether {@code runDir} already holds (part of) a training run: a configuration, checkpoints
     * or logged updates. A start that failed before training (a bad weight file, an unsupported
     * setting) leaves only an empty metrics log, which does not count.
     */
    static boolean holdsRun(Path runDir) {
        return !runMarkers(runDir).isEmpty();
    }

    /** The files that show a run is there, for messages. */
    static List<String> runMarkers(Path runDir) {
        List<String> out = new ArrayList<>();
        if (Files.exists(runDir.resolve(CONFIG))) {
            out.add(CONFIG);
        }
        Path metrics = runDir.resolve(METRICS);
        try {
            if (Files.exists(metrics) && (!Files.isRegularFile(metrics) || Files.size(metrics) > 0)) {
                out.add(METRICS);
            }
        } catch (IOException e) {
            out.add(METRICS);
        }
        if (Files.exists(runDir.resolve(CHECKPOINTS))) {
            out.add(CHECKPOINTS + "/");
        }
        return out;
    }

    /** The training configuration a run was started with, or null when it has none. */
    static TrainingConfig config(Path runDir) {
        Path file = runDir.resolve(CONFIG);
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
    @SuppressWarnings("unchecked")
    static Map<String, Object> state(Path checkpoint) {
        if (!Files.isRegularFile(checkpoint)) {
            return null;
        }
        try (ZipFile zip = new ZipFile(checkpoint.toFile())) {
            ZipEntry e = zip.getEntry("state.json");
            if (e == null) {
                return null;
            }
            try (InputStream in = zip.getInputStream(e)) {
                return Checkpoint.json().readValue(in, Map.class);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
