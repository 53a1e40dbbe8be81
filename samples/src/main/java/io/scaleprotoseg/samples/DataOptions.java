package io.scaleprotoseg.samples;

import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Datasets;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The data a command reads: a root folder, its format (detected when not given) and format
 * options, or, with neither root nor format, the built-in synthetic street scenes.
 */
final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "data set root folder (default: the built-in synthetic scenes, generated on the fly)")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "data format: auto (detect from DIR), folder, cityscapes, voc, ade20k, em, coco-stuff, "
                    + "fashion-mnist or scenes (default: auto with --data, scenes without)")
    String format;

    @Option(names = "--data-option", paramLabel = "KEY=VALUE",
            description = "a format option, repeatable: limit=N (all formats); seed, width, height, count (scenes, "
                    + "fashion-mnist); labels=trainIds (cityscapes); trainAug=auto|true|false (voc); valSplit=drawn|last, valSlices=N, valSeed=S (em)")
    List<String> options = new ArrayList<>();

    /** Whether any data option was given on the command line. */
    boolean given() {
        return data != null || format != null || !options.isEmpty();
    }

    /** Takes the data arguments a run recorded. */
    void apply(RunFiles.DataRecord r) {
        data = r.data() == null ? null : Path.of(r.data());
        format = r.format();
        options = new ArrayList<>(r.options() == null ? List.of() : r.options());
    }

    /** The data arguments as a run records them (the root made absolute). */
    RunFiles.DataRecord record(Integer scenesTrain, Integer scenesVal) {
        return new RunFiles.DataRecord(data == null ? null : data.toAbsolutePath().normalize().toString(), format,
                List.copyOf(options), scenesTrain, scenesVal, null);
    }

    /** Whether this reads the built-in scenes. */
    boolean isScenes() {
        return (data == null && format == null) || (format != null && SCENES_NAMES.contains(format.strip().toLowerCase(Locale.ROOT)));
    }

    /** Whether this reads the generic folder format (class count and names come from classes.txt). */
    boolean isFolder() throws DatasetException {
        String f = resolvedFormat();
        return f != null && (f.equals("folder") || f.equals("generic"));
    }

    private static final List<String> SCENES_NAMES = List.of("scenes", "synthetic");

    /** The format name: as given (lower case), detected from the root, or scenes; null never. */
    String resolvedFormat() throws DatasetException {
        checkRoot();
        if (format != null && !format.isBlank() && !format.strip().equalsIgnoreCase("auto")) {
            return format.strip().toLowerCase(Locale.ROOT);
        }
        return data == null ? "scenes" : Datasets.detectFormat(data);
    }

    /** How to name the data in messages. */
    String describe() {
        if (data == null) {
            return "the built-in scenes" + (format != null && !isScenes() ? " (format " + format + ")" : "");
        }
        return data.toAbsolutePath().normalize() + (format == null ? "" : " (format " + format + ")");
    }

    /** The root must be an existing folder when given; named in the error otherwise. */
    void checkRoot() {
        if (data != null && !Files.isDirectory(data)) {
            throw new UserError("--data " + data + ": " + (Files.exists(data) ? "not a directory" : "no such directory")
                    + " (" + data.toAbsolutePath().normalize() + ")");
        }
    }

    /** The parsed --data-option entries. */
    Map<String, String> parsedOptions() throws DatasetException {
        return Datasets.parseOptions(options);
    }

    /**
     * Opens one split.
     *
     * @param extra options added to --data-option for this split (an option given in both is an error)
     */
    SegmentationDataset open(Split split, Map<String, String> extra) throws DatasetException {
        checkRoot();
        Map<String, String> opts = new LinkedHashMap<>(parsedOptions());
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (opts.containsKey(e.getKey())) {
                throw new DatasetException("data option '" + e.getKey() + "' is given twice");
            }
            opts.put(e.getKey(), e.getValue());
        }
        String fmt = data == null && format == null ? "scenes" : format;
        SegmentationDataset ds = Datasets.open(fmt, data, split, opts);
        if (ds.size() == 0) {
            throw new DatasetException("the " + split.id() + " split of " + describe() + " is empty");
        }
        return ds;
    }

    /**
     * Opens a split of a trained run's data: the data given on the command line, else the data the
     * run recorded ({@code RUN_DIR/data.json}, written by {@code train} and {@code demo}), else the
     * built-in scenes for a run trained on them. Used by {@code eval} and {@code export}.
     *
     * @param run the run directory
     * @param trainedOn the data set name the checkpoint records (e.g. "scenes/train"), or null
     * @param purpose what the data is for, completing "give the data ..." in the error message,
     *     e.g. "to evaluate on"
     * @throws UserError when nothing is given or recorded and the run was not trained on the scenes
     */
    SegmentationDataset openForRun(Path run, String trainedOn, Split split, String purpose) throws DatasetException {
        RunFiles.DataRecord recorded = given() ? null : RunFiles.readData(run);
        if (recorded != null) {
            apply(recorded);
            Integer count = switch (split) {
                case TRAIN -> recorded.scenesTrain();
                case VAL -> recorded.scenesVal();
                case TEST -> recorded.scenesTest();
            };
            return open(split, count == null ? Map.of() : Map.of("count", String.valueOf(count)));
        }
        if (data == null && format == null) {
            if (trainedOn == null || !trainedOn.startsWith("scenes/")) {
                throw new UserError("run " + run + " was trained on " + (trainedOn == null ? "unknown data" : trainedOn)
                        + "; give the data " + purpose + " with --data DIR (and --format if it is not detected)");
            }
        }
        return open(split, Map.of());
    }
}
