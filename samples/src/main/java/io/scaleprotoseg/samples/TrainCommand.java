package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.checkpoint.RunDirectory;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.trainer.phase.ClassShares;
import io.scaleprotoseg.trainer.phase.Evaluator;
import io.scaleprotoseg.trainer.phase.MemoryEstimate;
import io.scaleprotoseg.trainer.phase.Phase;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.Trainer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import io.scaleprotoseg.trainer.imports.ReferenceModel;
import io.scaleprotoseg.torchfile.TorchFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code train}: ScaleProtoSeg (stage 1, then stage 2 unless --stage1-only), or the ProtoSeg /
 * DeepLabv2 baselines, from a preset with overrides, on a data set folder or the built-in scenes;
 * resumable; progress on stderr and a summary (with time per update) on stdout.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Trains a model and writes the run to RUN_DIR. Stage 1: warm-up, joint training, projection, last-layer "
                + "fine-tune (ProtoSeg then prunes and fine-tunes again; DeepLabv2 stops after joint training). "
                + "ScaleProtoSeg continues with stage 2: group warm-up, group joint training and thresholding, "
                + "unless --stage1-only.",
            "The settings come from --preset (the paper's per data set, or the CPU-sized 'scenes'; without --preset, the "
                + "data set's own for Cityscapes, Pascal VOC, ADE20K, COCO-Stuff and EM data, said on stderr, else "
                + "'scenes') and "
                + "every one of them can be overridden below (or with --set NAME=VALUE by its configuration name). "
                + "Without --data it trains on the built-in synthetic street scenes, generated on the fly. "
                + "RUN_DIR receives config.json, data.json (the data arguments), metrics.jsonl (one JSON line per "
                + "update and per validation) and "
                + "checkpoints/{last,best,stage1,stage2}.ckpt; --resume continues from checkpoints/last.ckpt to the same "
                + "result as an uninterrupted run.",
            ""
        },
        footer = {
            "",
            "Class count: the network gets as many classes as the data has. A preset made for a data set "
                + "(cityscapes, pascal, ade20k, coco-stuff, em) must match data in a fixed format; with folder, scenes or "
                + "fashion-mnist data, or with the scenes preset, the count (and the class names) come from the data.",
            "",
            "Examples:",
            "  scaleprotoseg train --out runs/scenes",
            "  scaleprotoseg train --out runs/protoseg --method protoseg",
            "  scaleprotoseg train --preset cityscapes --data /data/cityscapes --weights resnet101.safetensors --out runs/cs",
            "  scaleprotoseg train --out runs/cs --resume",
            "  scaleprotoseg eval --run runs/scenes"
        })
final class TrainCommand extends CommandBase {
    static final String DEFAULT_PRESET = "scenes";

    /** Preset names for the help text and completion. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Presets.NAMES.iterator();
        }
    }

    /** {@code scaleprotoseg}, {@code protoseg}, {@code deeplabv2}. */
    static final class MethodConverter implements CommandLine.ITypeConverter<ModelKind> {
        @Override
        public ModelKind convert(String value) {
            try {
                return ModelKind.fromId(value.strip());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** 18, 34, 50, 101 (also r101, resnet101). */
    static final class DepthConverter implements CommandLine.ITypeConverter<ResNetLayout.Depth> {
        @Override
        public ResNetLayout.Depth convert(String value) {
            try {
                return ResNetLayout.Depth.parse(value.strip());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    // ---- what and where -------------------------------------------------------------------
    @Option(names = "--preset", paramLabel = "NAME", completionCandidates = PresetNames.class,
            description = "settings preset: ${COMPLETION-CANDIDATES} (default: the data set's own preset for cityscapes, "
                    + "voc, ade20k, coco-stuff and em data, else " + DEFAULT_PRESET + "; with --resume: the run's own settings)")
    String preset;

    @Option(names = "--method", converter = MethodConverter.class, paramLabel = "METHOD",
            description = "scaleprotoseg, protoseg or deeplabv2 (default: scaleprotoseg)")
    ModelKind method;

    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "run directory (created when missing)")
    Path out;

    @Option(names = "--resume", description = "continue the run in RUN_DIR from checkpoints/last.ckpt, with its saved "
            + "settings (config.json) and data (data.json); options given here override them; starts a new run when "
            + "RUN_DIR has none")
    boolean resume;

    @Mixin
    DataOptions data;

    @Option(names = "--scenes-train", paramLabel = "N",
            description = "built-in scenes: training images (default: 200)")
    Integer scenesTrain;

    @Option(names = "--scenes-val", paramLabel = "N", description = "built-in scenes: validation images (default: 50)")
    Integer scenesVal;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "pre-trained backbone weights: a PyTorch state dict (.pth; torchvision ResNet or deeplab_pytorch "
                    + "layout such as the reference's COCO initialisation), or .safetensors / .npz with torchvision keys "
                    + "(default: random initialisation)")
    Path weights;

    @Mixin
    EngineOptions engine;

    @Option(names = "--stage2-from", paramLabel = "STAGE1.ckpt|FILE.pth",
            description = "skip stage 1: start stage 2 from the finished stage 1 of another scaleprotoseg run "
                    + "(its checkpoints/stage1.ckpt; same network settings), or from a stage-1 ScaleProtoSeg checkpoint of "
                    + "the reference PyTorch implementation (its network is then used)")
    Path stageTwoFrom;

    @Option(names = "--init-from", paramLabel = "FILE.pth",
            description = "start from a whole-model checkpoint of the reference PyTorch implementation (its network is "
                    + "used): a ScaleProtoSeg group model continues stage 2 with its groups on this data; a stage-1 or "
                    + "ProtoSeg model starts stage 1 from its weights")
    Path initFrom;

    @Mixin
    TrainingOptions settings;

    @Option(names = "--dry-run", description = "print the resolved settings as JSON, the data, the estimated peak memory, "
            + "what each class gives the feature grid and the estimated training time (measured with a few scratch updates on "
            + "the first training images), and exit")
    boolean dryRun;

    @Option(names = "--no-time", description = "with --dry-run: skip the scratch updates and the time estimate")
    boolean noTime;

    @Option(names = "--time", description = "with --dry-run: time the scratch updates even for a heavy network (more than "
            + "400 MB of activations per update: several minutes on a CPU)")
    boolean forceTime;

    /** The reference model the run starts from (--init-from, --stage2-from FILE.pth), or null. */
    private ReferenceModel reference;

    @Override
    int execute() throws Exception {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a file; give a directory for the run");
        }
        RunDirectory run = new RunDirectory(out);
        if (!resume && run.holdsRun()) {
            throw new UserError("--out " + out + " already holds a training run (" + String.join(", ", run.runMarkers())
                    + "); add --resume to continue it, or choose another directory");
        }
        TrainingConfig saved = resume ? RunFiles.config(out) : null;
        CheckpointState savedState = resume ? RunFiles.state(run.last()) : null;
        TrainingConfig base = baseConfig(saved);

        // the data: as given, or on resume the run's own when none is given
        RunFiles.DataRecord savedData = resume ? RunFiles.readData(out) : null;
        if (savedData != null && !data.given() && scenesTrain == null && scenesVal == null) {
            data.apply(savedData);
            scenesTrain = savedData.scenesTrain();
            scenesVal = savedData.scenesVal();
        }
        checkScenesOptions();
        String trainedOn = savedState == null ? null : savedState.dataset();
        if (trainedOn != null && data.data == null && data.format == null && !trainedOn.startsWith("scenes/")) {
            throw new UserError("run " + out + " was trained on " + trainedOn + "; resume with its data: --data DIR "
                    + "(and --format, --data-option as before)");
        }
        SegmentationDataset train = data.open(Split.TRAIN, scenesCount(scenesTrain));
        SegmentationDataset val = data.open(Split.VAL, scenesCount(scenesVal));
        if (trainedOn != null && !trainedOn.equals(train.name())) {
            throw new UserError("run " + out + " was trained on " + trainedOn + ", but the data given is " + train.name()
                    + "; resume with the same data");
        }
        base = withDataClasses(base, train, val, saved != null);

        TrainingConfig cfg = settings.apply(base);
        reference = null;
        if (initFrom != null && stageTwoFrom != null) {
            throw new UserError("--init-from and --stage2-from both say where the run starts; give one");
        }
        Path referenceFile = initFrom != null ? initFrom
                : stageTwoFrom != null && TorchFile.looksLikePyTorchFile(stageTwoFrom) ? stageTwoFrom : null;
        if (referenceFile != null && !(resume && Files.isRegularFile(run.last()))) {
            String option = initFrom != null ? "--init-from" : "--stage2-from";
            if (!Files.isRegularFile(referenceFile)) {
                throw new UserError(option + " " + referenceFile + ": no such file");
            }
            if (weights != null) {
                throw new UserError("--weights and " + option + " both give the starting weights; give one");
            }
            reference = ReferenceModel.read(referenceFile);
            if (reference.network().numClasses() != train.labels().numClasses()) {
                throw new UserError(option + " " + referenceFile + " holds a model of " + reference.network().numClasses()
                        + " classes, but " + train.name() + " has " + train.labels().numClasses());
            }
            // the network is the checkpoint's; the training settings are the preset's and the options'
            cfg = cfg.withNetwork(reference.network());
        }
        if (weights != null && !Files.isRegularFile(weights)) {
            throw new UserError("--weights " + weights + ": no such file (" + weights.toAbsolutePath().normalize() + ")");
        }
        engine.validate();
        if (dryRun) {
            out().println(Checkpoint.json().writeValueAsString(cfg));
            out().println("train: " + train.name() + " (" + train.size() + " images), val: " + val.name() + " ("
                    + val.size() + " images), classes: " + classNames(train.labels()));
            String noTest = missingTestSplit();
            if (noTest != null) {
                out().println(noTest);
            }
            MemoryEstimate estimate = memory(out(), cfg, weights == null && reference == null
                    && !(resume && Files.isRegularFile(run.last())));
            classShares(out(), cfg, train);
            boolean calibrates = weights == null && reference == null;
            long activations = estimate.activationBytes();
            if (noTime && forceTime) {
                throw new UserError("--time and --no-time contradict each other; give one");
            }
            if (!noTime && (forceTime || activations <= TIMING_HEAVY_BYTES)) {
                timeEstimate(cfg, train, val, calibrates);
            } else if (!noTime) {
                out().println("time: not measured: one update of this network holds about "
                        + MemoryEstimate.gigabytes(activations) + " of activations, so a few scratch updates (and the "
                        + "batch-norm calibration) take minutes on a CPU; add --time to measure them");
            }
            return 0;
        }

        EngineOptions.Started started = engine.start();
        if (savedData == null) {
            RunFiles.writeData(out, data.record(scenesTrain, scenesVal));
        }
        printHeader(cfg, train, val, started, resume && Files.isRegularFile(run.last()));
        String noTest = missingTestSplit();
        if (noTest != null) {
            err().println(noTest);
        }
        String sized = scheduleNote(cfg, train);
        if (sized != null) {
            err().println(sized);
        }
        Trainer.Result result;
        long t0 = System.nanoTime();
        TrainingProgress progress = new TrainingProgress(new ProgressLines(err(), ProgressLines.interactive()));
        try {
            Trainer trainer = new Trainer(cfg, train, val, out, progress, weights).device(started.device());
            if (reference != null) {
                trainer.startFrom(reference, stageTwoFrom != null);
            } else if (stageTwoFrom != null) {
                if (!Files.isRegularFile(stageTwoFrom)) {
                    throw new UserError("--stage2-from " + stageTwoFrom + ": no such checkpoint");
                }
                trainer.startFrom(stageTwoFrom);
            }
            result = trainer.run(resume);
        } finally {
            progress.close();
        }
        printSummary(cfg, train.labels(), result, progress, (System.nanoTime() - t0) / 1e9, started);
        return 0;
    }

    /**
     * Without --preset: the preset made for the data's format (the paper's settings for Cityscapes,
     * Pascal VOC, ADE20K, COCO-Stuff and EM data), said on stderr with the reason; the CPU-sized
     * scenes preset for the built-in scenes, folder and fashion-mnist data.
     */
    private String dataPreset() throws DatasetException {
        if (data.isScenes() || data.data == null) {
            return DEFAULT_PRESET;
        }
        String format = data.resolvedFormat();
        String made = Presets.forFormat(format, data.parsedOptions());
        if (made == null) {
            return DEFAULT_PRESET;
        }
        err().println("note: no --preset given: using preset " + made + ", the paper's settings for " + format + " data, "
                + "because " + data.describe() + " is " + (data.format == null ? "detected as " : "given as ") + format
                + "; --preset " + DEFAULT_PRESET + " gives the small CPU settings");
        return made;
    }

    /** The preset, or on resume the run's saved settings (which --preset and --method must then match). */
    private TrainingConfig baseConfig(TrainingConfig saved) throws DatasetException {
        if (saved != null) {
            if (preset != null && !preset.strip().equalsIgnoreCase(saved.preset())) {
                throw new UserError("--preset " + preset + ": run " + out + " was started with preset " + saved.preset()
                        + "; resume it without --preset (its settings are in " + new RunDirectory(out).config() + ")");
            }
            if (method != null && method != saved.network().method()) {
                throw new UserError("--method " + method.id() + ": run " + out + " trains " + saved.network().method().id()
                        + "; resume it without --method, or start a new run directory");
            }
            return saved;
        }
        String name = preset == null ? dataPreset() : preset.strip();
        if (!Presets.NAMES.contains(name.toLowerCase(Locale.ROOT))) {
            // like any value picocli rejects: a usage error (exit 2)
            throw new CommandLine.ParameterException(spec.commandLine(), "--preset " + preset + ": unknown preset; use one of "
                    + String.join(", ", Presets.NAMES));
        }
        return Presets.get(name, method == null ? ModelKind.SCALEPROTOSEG : method);
    }

    private void checkScenesOptions() {
        if ((scenesTrain != null || scenesVal != null) && !data.isScenes()) {
            throw new UserError("--scenes-train and --scenes-val size the built-in scenes; with --data, limit a split "
                    + "with --data-option limit=N");
        }
        for (Integer n : Arrays.asList(scenesTrain, scenesVal)) {
            if (n != null && n < 1) {
                throw new UserError("--scenes-train and --scenes-val must be at least 1, got " + n);
            }
        }
    }

    private static Map<String, String> scenesCount(Integer n) {
        return n == null ? Map.of() : Map.of("count", String.valueOf(n));
    }

    /**
     * The network sized for the data's classes. Data in a fixed format (cityscapes, voc, ...) must
     * match a preset made for a data set; otherwise the data's count wins, with a note.
     */
    private TrainingConfig withDataClasses(TrainingConfig base, SegmentationDataset train, SegmentationDataset val,
            boolean resumed) throws DatasetException {
        int classes = train.labels().numClasses();
        if (val.labels().numClasses() != classes || val.labels().ignoreLabel() != train.labels().ignoreLabel()) {
            throw new UserError("the train and val splits of " + data.describe() + " disagree: " + classes + " classes (void "
                    + train.labels().ignoreLabel() + ") vs " + val.labels().numClasses() + " (void " + val.labels().ignoreLabel()
                    + ")");
        }
        int configured = base.network().numClasses();
        if (classes == configured) {
            return base;
        }
        if (resumed) {
            throw new UserError("run " + out + " trains " + configured + " classes, but " + train.name() + " has " + classes
                    + "; resume with the run's own data");
        }
        boolean flexibleData = data.isScenes() || data.isFolder() || data.resolvedFormat().startsWith("fashion");
        if (!base.preset().equals(DEFAULT_PRESET) && !flexibleData) {
            throw new UserError("preset " + base.preset() + " is made for " + configured + " classes, but " + train.name()
                    + " (" + data.describe() + ") has " + classes + "; use the preset of that data set, or --preset "
                    + DEFAULT_PRESET);
        }
        err().println("note: " + train.name() + " has " + classes + " classes; the network is built for them (preset "
                + base.preset() + " has " + configured + ")");
        return base.withNetwork(base.network().toBuilder().numClasses(classes).build());
    }

    /** NAME=VALUE entries in order; a malformed or repeated one is a user error. */
    static Map<String, String> keyValues(List<String> entries) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : entries) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UserError("--set " + kv + ": expected NAME=VALUE");
            }
            if (out.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip()) != null) {
                throw new UserError("--set " + kv.substring(0, eq).strip() + " is given twice");
            }
        }
        return out;
    }

    /**
     * A note when the data set has no usable test split, said before training rather than when
     * {@code eval --split test} fails after it; null when it has one.
     */
    private String missingTestSplit() {
        if (data.data == null && data.format == null) {
            return null; // the built-in scenes always have one
        }
        try {
            data.open(Split.TEST, Map.of());
            return null;
        } catch (DatasetException | RuntimeException e) {
            return "note: " + data.describe() + " has no usable test split (" + e.getMessage() + "); after training, "
                    + "evaluate on the validation split (eval --split val) or add a test split";
        }
    }

    /**
     * Above this many bytes of activations per update (about 100 million activation elements, e.g.
     * ResNet-101 at crop 257) a dry run times nothing unless --time is given.
     */
    static final long TIMING_HEAVY_BYTES = 400L << 20;

    /** Training images, joint updates and untimed first updates of a dry run's scratch run. */
    static final int TIMING_IMAGES = 4;
    static final int TIMING_JOINT = 12;
    static final int TIMING_SKIP = 4;

    /**
     * The dry run's time estimate: a scratch run of {@link #TIMING_JOINT} joint updates on the first
     * {@link #TIMING_IMAGES} training images in a temporary directory (deleted), scaled to the whole
     * schedule with the demo's relative costs ({@link DemoPlan}).
     */
    private void timeEstimate(TrainingConfig cfg, SegmentationDataset train, SegmentationDataset val, boolean calibrates)
            throws Exception {
        var w = out();
        w.println("time: measuring " + TIMING_JOINT + " scratch updates on " + Math.min(TIMING_IMAGES, train.size())
                + " training images" + (calibrates ? " after a batch-norm calibration" : "") + "; --no-time skips this ...");
        w.flush();
        EngineOptions.Started started = engine.start();
        Sample first = val.get(0);
        UpdateTiming t;
        Path scratch = Files.createTempDirectory("scaleprotoseg-timing");
        try {
            t = UpdateTiming.measure(cfg, train, val, started.device(), 1, TIMING_JOINT, TIMING_SKIP, TIMING_IMAGES, scratch);
        } finally {
            DemoCommand.deleteTree(scratch);
        }
        int valImages = cfg.valLimit() == 0 ? val.size() : Math.min(cfg.valLimit(), val.size());
        double total = t.estimateMs(cfg, train.size(), val.size(), (long) first.width() * first.height());
        w.printf(Locale.ROOT, "time: about %s on %s; measured: %s to the first update%s, %.0f ms per joint update of batch %d x "
                + "%d; the other phases, %d validations of %d images and %s from the demo's relative costs%n",
                UpdateTiming.duration(total), started.description(), UpdateTiming.duration(t.setupMs()),
                calibrates ? " with batch-norm calibration" : "", t.jointMs(), cfg.batchSize(), cfg.iterationSize(),
                DemoPlan.evaluations(cfg), valImages, cfg.network().method().hasPrototypes()
                        ? "projection over " + train.size() + " training images" : "checkpoints");
        String sized = scheduleNote(cfg, train);
        if (sized != null) {
            w.println(sized);
        }
    }

    /**
     * The scenes preset's schedule is sized for the built-in scenes, not adapted to other data; said
     * plainly (dry run and run) when it trains other data. Null otherwise.
     */
    static String scheduleNote(TrainingConfig cfg, SegmentationDataset train) {
        if (!cfg.preset().equals("scenes") || train.name().startsWith("scenes/")) {
            return null;
        }
        return "note: the scenes preset's schedule (" + DemoPlan.updates(cfg) + " updates of batch " + cfg.batchSize()
                + ") was sized for the built-in 200 scenes of 128x96 pixels, not for this data ("
                + String.format(Locale.ROOT, "%.0f", (double) DemoPlan.updates(cfg) * cfg.batchSize() * cfg.iterationSize()
                        / train.size()) + " crops per training image here); on other data it may under-train, above all "
                + "rare or small classes: watch the validation mIoU and raise --joint-steps (or --lr-backbone) while it "
                + "still rises";
    }

    /** Images of the training split a dry run counts classes on. */
    static final int SHARE_IMAGES = 100;

    /**
     * Per class, its share of labelled pixels and of feature-grid cells, and the mIoU ceiling of the
     * network's stride on the first training images (a dry run's look at what the data gives to learn).
     */
    static void classShares(PrintWriter w, TrainingConfig c, SegmentationDataset train) throws DatasetException {
        ClassShares s = ClassShares.of(train, c.network(), SHARE_IMAGES);
        int stride = c.network().outputStride();
        w.printf(Locale.ROOT, "classes in the first %d training images (%.1f%% of pixels labelled; grid of stride %d):%n",
                s.images(), 100 * s.labelledShare(), stride);
        w.printf(Locale.ROOT, "  %4s  %-20s %8s %8s %9s%n", "id", "class", "pixels", "cells", "grid IoU");
        for (int k = 0; k < s.pixelShare().length; k++) {
            double g = s.perfectGridIou()[k];
            w.printf(Locale.ROOT, "  %4d  %-20s %7.2f%% %7.2f%% %9s%n", k, train.labels().classes().get(k).name(),
                    100 * s.pixelShare()[k], 100 * s.cellShare()[k], Double.isNaN(g) ? "-" : String.format(Locale.ROOT, "%.3f", g));
        }
        w.printf(Locale.ROOT, "the right class in every grid cell, upsampled as the mask is, reaches mIoU %.3f on these images: a "
                + "practical ceiling for stride %d (grid IoU: the same per class)%n", s.perfectGridMiou(), stride);
        List<String> rare = new ArrayList<>();
        List<String> coarse = new ArrayList<>();
        for (int k = 0; k < s.cellShare().length; k++) {
            String name = train.labels().classes().get(k).name();
            if (s.cellShare()[k] < 0.005) {
                rare.add(String.format(Locale.ROOT, "%s (%.2f%%)", name, 100 * s.cellShare()[k]));
            } else if (s.perfectGridIou()[k] < WeakClasses.GRID_LIMIT) {
                coarse.add(String.format(Locale.ROOT, "%s (%.3f)", name, s.perfectGridIou()[k]));
            }
        }
        if (!rare.isEmpty()) {
            w.println("note: rare classes, under 0.5% of the grid cells: " + String.join(", ", rare) + "; a rare class is "
                    + "learned late or not at all: train longer, or use larger images or crops");
        }
        if (!coarse.isEmpty()) {
            w.println("note: the stride-" + stride + " grid resolves these classes poorly (grid IoU under "
                    + WeakClasses.GRID_LIMIT + "): " + String.join(", ", coarse) + "; their objects are thin or a few cells "
                    + "wide: larger images or crops raise this ceiling");
        }
    }

    /**
     * The memory estimate, and a warning when it exceeds what the machine has available (a run that
     * does not fit is killed by the kernel mid-run, without a message of ours); returns the estimate.
     */
    static MemoryEstimate memory(PrintWriter w, TrainingConfig c, boolean calibrates) {
        MemoryEstimate m = MemoryEstimate.of(c, calibrates);
        long available = MemoryEstimate.availableBytes();
        w.println("memory: " + m.describe() + (available > 0 ? "; " + MemoryEstimate.gigabytes(available) + " available" : ""));
        if (available > 0 && m.peakBytes() > available) {
            w.println("warning: this run is likely to need more memory than the machine has available and to be killed; "
                    + "lower --crop or --batch-size, or use --weights (no calibration) or a larger --width-divisor");
        }
        String note = hugePageNote(m.activationBytes(), System.getenv(THP_ENV), kernelHugePages());
        if (note != null) {
            w.println(note);
        }
        return m;
    }

    /** libtorch's switch for transparent huge pages on its large CPU allocations. */
    static final String THP_ENV = "THP_MEM_ALLOC_ENABLE";

    /**
     * A note for runs whose activations are large (256 MB or more): each update allocates them afresh, and on the CPU
     * the kernel's page faults for that memory took a large part of an update here; with
     * {@value #THP_ENV}=1 in the environment (read by libtorch when it starts, so it cannot be set
     * from within the JVM) libtorch asks for transparent huge pages, 512x fewer faults. Measured with
     * {@code TrainingRunner}, ResNet-101 at crop 321, batch 1, 2 threads: 2.45 s per update against 4.17 s.
     * Null when the activations are small, the variable is set, or the kernel never gives huge pages.
     *
     * @param kernelSetting the content of /sys/kernel/mm/transparent_hugepage/enabled, or null
     */
    static String hugePageNote(long activationBytes, String env, String kernelSetting) {
        if (activationBytes < (256L << 20) || (env != null && !env.isBlank())
                || (kernelSetting != null && kernelSetting.contains("[never]"))) {
            return null;
        }
        return "note: on the CPU, updates this large spend much of their time on page faults; start the JVM with " + THP_ENV
                + "=1 in the environment (e.g. " + THP_ENV + "=1 java -jar scaleprotoseg.jar train ...) and libtorch "
                + "asks for transparent huge pages: ResNet-101 updates at crop 321 took 2.45 s instead of 4.17 s on a "
                + "2-core machine (bench TrainingRunner)";
    }

    private static String kernelHugePages() {
        try {
            return Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void printHeader(TrainingConfig c, SegmentationDataset train, SegmentationDataset val, EngineOptions.Started e,
            boolean resuming) {
        NetworkConfig n = c.network();
        var w = err();
        int valImages = c.valLimit() == 0 ? val.size() : Math.min(c.valLimit(), val.size());
        w.println("training " + n.method().id() + " (preset " + c.preset() + ") on " + train.name() + " (" + train.size()
                + " images), validating on " + val.name() + " (" + valImages + " of " + val.size() + " images)");
        String protos = !n.method().hasPrototypes() ? "no prototypes"
                : n.method() == ModelKind.SCALEPROTOSEG
                ? n.prototypesPerClass() + " prototypes per class and scale x " + n.numScales() + " scales = "
                        + n.numPrototypes() + " prototypes"
                : n.prototypesPerClass() + " prototypes per class = " + n.numPrototypes() + " prototypes";
        w.println("network: " + n.backboneName() + (n.widthDivisor() == 1 ? "" : " at 1/"
                + n.widthDivisor() + " width") + ", ASPP dilations " + Arrays.stream(n.dilations()).mapToObj(String::valueOf)
                .collect(Collectors.joining(",")) + ", D " + n.dim() + ", " + n.numClasses() + " classes, " + protos
                + (resuming ? ", weights from " + new RunDirectory(out).last()
                : reference != null ? ", weights from " + reference.file()
                : weights == null ? ", random initialisation" : ", backbone from " + weights));
        w.printf(Locale.ROOT, "schedule: warm-up %d, joint %d, fine-tune %d updates of %dx%d images, %d px crops, scale "
                + "%.2f..%.2f, seed %d%n", c.warmupSteps(), c.jointSteps(), n.method().hasPrototypes() ? c.finetuneSteps() : 0,
                c.batchSize(), c.iterationSize(), c.crop(), c.minScale(), c.maxScale(), c.seed());
        if (c.hasStageTwo()) {
            w.printf(Locale.ROOT, "stage 2: group warm-up %d, group joint %d updates, %d groups per class, threshold %s "
                    + "(--stage1-only skips it)%n", c.groupWarmupSteps(), c.groupJointSteps(), n.groupsPerClass(), c.threshold());
        }
        w.println("device: " + e.description() + "; run directory " + out.toAbsolutePath().normalize());
        memory(w, c, !resuming && weights == null && reference == null);
        w.flush();
    }

    private void printSummary(TrainingConfig c, LabelSpace labels, Trainer.Result r, TrainingProgress progress,
            double seconds, EngineOptions.Started e) {
        var o = out();
        NetworkConfig n = c.network();
        List<TrainingProgress.PhaseTiming> timings = progress.timings();
        boolean grouped = c.hasStageTwo();
        o.println("finished: " + n.method().id() + (grouped ? " stages 1 and 2" : "") + ", preset " + c.preset() + ", in "
                + duration(seconds));
        o.println("checkpoint:      " + r.checkpoint().toAbsolutePath().normalize());
        if (grouped) {
            o.println("stage 1:         " + new RunDirectory(out).stageOne().toAbsolutePath().normalize());
        }
        if (n.method().hasPrototypes()) {
            StringBuilder p = new StringBuilder().append(r.prototypes()).append(grouped ? " in use after thresholding" : "")
                    .append(" (of ").append(n.numPrototypes());
            if (r.projection() != null) {
                p.append("; ").append(r.projection().removedDuplicates().size()).append(" duplicates removed at projection");
                if (!r.projection().unprojected().isEmpty()) {
                    p.append(", ").append(r.projection().unprojected().size()).append(" not projected");
                }
            }
            if (n.method() == ModelKind.PROTOSEG) {
                p.append("; ").append(r.pruned().size()).append(" pruned");
            }
            o.println("prototypes:      " + p.append(')'));
        } else {
            o.println("prototypes:      none (black-box " + n.method().id() + ")");
        }
        Evaluator.Result stageOne = grouped ? progress.lastValidation(Phase.FINETUNE) : null;
        if (stageOne != null) {
            o.printf(Locale.ROOT, "stage 1 result:  mIoU %.4f, pixel accuracy %.4f%n", stageOne.meanIou(), stageOne.pixelAccuracy());
        }
        o.printf(Locale.ROOT, "validation:      %d images%n", r.validation().images());
        o.printf(Locale.ROOT, "mIoU:            %.4f%n", r.validation().meanIou());
        o.printf(Locale.ROOT, "pixel accuracy:  %.4f%n", r.validation().pixelAccuracy());
        printClassIou(o, labels, r.validation().classIou());
        o.println("wall time:       " + duration(seconds) + " (" + e.description() + ")");
        if (!timings.isEmpty()) {
            o.println("time per phase (ms per update: wall mean and median, process CPU mean):");
            o.printf(Locale.ROOT, "  %-20s  %7s  %9s  %9s  %9s  %9s%n", "phase", "updates", "seconds", "mean ms", "median ms",
                    "CPU ms");
            for (TrainingProgress.PhaseTiming t : timings) {
                boolean timed = t.timedUpdates() > 0;
                o.printf(Locale.ROOT, "  %-20s  %7s  %9.1f  %9s  %9s  %9s%n", t.name(), t.updates() == 0 ? "-"
                        : String.valueOf(t.updates()), t.seconds(), timed ? fmt(t.meanMs()) : "-", timed ? fmt(t.medianMs())
                        : "-", timed && !Double.isNaN(t.cpuMsPerUpdate()) ? fmt(t.cpuMsPerUpdate()) : "-");
            }
        }
        o.println("next: scaleprotoseg eval --run " + out);
    }

    /** The per-class IoU table: id, class name, IoU ("-" where the class is neither labelled nor predicted). */
    static void printClassIou(PrintWriter o, LabelSpace labels, double[] iou) {
        int w = Math.max(5, labels.classes().stream().mapToInt(ci -> ci.name().length()).max().orElse(5));
        o.printf(Locale.ROOT, "  %4s  %-" + w + "s  %6s%n", "id", "class", "IoU");
        for (ModelCard.ClassInfo ci : labels.classes()) {
            double v = ci.id() < iou.length ? iou[ci.id()] : Double.NaN;
            o.printf(Locale.ROOT, "  %4d  %-" + w + "s  %6s%n", ci.id(), ci.name(), Double.isNaN(v) ? "-"
                    : String.format(Locale.ROOT, "%.4f", v));
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        return s >= 3600 ? String.format(Locale.ROOT, "%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }

    private static String classNames(LabelSpace labels) {
        return labels.numClasses() + " (" + labels.classes().stream().map(ModelCard.ClassInfo::name)
                .collect(Collectors.joining(", ")) + "), void " + labels.ignoreLabel();
    }
}
