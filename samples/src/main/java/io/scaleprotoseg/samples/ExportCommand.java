package io.scaleprotoseg.samples;

import io.scaleprotoseg.exporter.ModelExporter;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Parity;
import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code export}: a trained run's final checkpoint to one ONNX model file, written only when the
 * trainer's forward pass and ONNX Runtime (through the SDK) agree on validation images; the parity
 * figures go into the model card.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Exports a trained run to one ONNX model file (graph, weights and model card) and proves it: the trainer's "
                + "forward pass and ONNX Runtime must agree on validation images to max |logit difference| <= 1e-3 x "
                + "max |logit| and >= 99.9%% identical mask pixels, or nothing is written. The figures are printed and "
                + "recorded in the card (scaleprotoseg info MODEL shows them).",
            "The model is the run's finished stage (checkpoints/stage2.ckpt, else stage1.ckpt) unless --checkpoint "
                + "names another. The parity images are the first N of the validation split of the run's own data "
                + "(RUN_DIR/data.json, written by train), else of the built-in scenes for runs trained on them; "
                + "otherwise --data is needed. Multi-scale input is exported when the run was trained with it.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  scaleprotoseg export --run runs/scenes --out scenes.onnx",
            "  scaleprotoseg export --run runs/scenes --out sparser.onnx --threshold 0.1",
            "  scaleprotoseg info scenes.onnx"
        })
final class ExportCommand extends CommandBase {
    static final int DEFAULT_PARITY_IMAGES = 8;

    @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "the run directory 'train --out' wrote")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "MODEL.onnx", description = "the model file to write")
    Path out;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "export this checkpoint instead (e.g. RUN_DIR/checkpoints/best.ckpt)")
    Path checkpoint;

    @Option(names = "--threshold", paramLabel = "T",
            description = "group weights below T are set to 0 (scaleprotoseg stage 2; default: the run's threshold)")
    Double threshold;

    @Option(names = "--parity-images", defaultValue = "" + DEFAULT_PARITY_IMAGES, paramLabel = "N",
            description = "validation images of the parity check (default: ${DEFAULT-VALUE})")
    int parityImages;

    @Mixin
    DataOptions data;

    @Mixin
    EngineOptions engine;

    /** The options export and import share: the number of parity images and the threshold. */
    static void checkParityAndThreshold(int parityImages, Double threshold) {
        if (parityImages < 1) {
            throw new UserError("--parity-images must be at least 1, got " + parityImages);
        }
        if (threshold != null && !(threshold >= 0 && threshold < 1)) {
            throw new UserError("--threshold must lie in [0, 1), got " + threshold);
        }
    }

    @Override
    int execute() throws Exception {
        checkParityAndThreshold(parityImages, threshold);
        if (!Files.isDirectory(run)) {
            throw new UserError("--run " + run + ": " + (Files.exists(run) ? "not a directory" : "no such directory"));
        }
        if (Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a directory; give a file name such as model.onnx");
        }
        if (checkpoint != null && !Files.isRegularFile(checkpoint)) {
            throw new UserError("--checkpoint " + checkpoint + ": no such file");
        }
        Path file = checkpoint != null ? checkpoint : TrainedModel.finalCheckpoint(run);
        CheckpointState state = RunFiles.state(file);
        String trainedOn = state == null ? null : state.dataset();
        TrainingConfig cfg = state == null ? null : state.config();
        if (threshold != null && (state == null || state.stage() != 2)) {
            throw new UserError("--threshold applies to the group weights of a scaleprotoseg stage-2 checkpoint; " + file
                    + " has no groups" + (cfg == null ? "" : " (a " + cfg.network().method().id() + " model"
                    + (cfg.network().method() == ModelKind.SCALEPROTOSEG ? " after stage 1" : "") + ")"));
        }
        SegmentationDataset val = data.openForRun(run, trainedOn, Split.VAL, "for the parity check");
        EngineOptions.Started started = engine.start();
        long t0 = System.nanoTime();
        ModelExporter.Report report = ModelExporter.export(file, out, threshold, val, parityImages);
        double seconds = (System.nanoTime() - t0) / 1e9;
        var o = out();
        o.println("checkpoint:      " + file.toAbsolutePath().normalize());
        if (cfg != null) {
            o.println("model:           " + cfg.network().method().id() + ", preset " + cfg.preset()
                    + (trainedOn == null ? "" : ", trained on " + trainedOn));
        }
        o.println("parity:          " + report.parity().images() + " images of " + val.name() + " (trainer vs ONNX Runtime CPU)");
        printParity(o, report.parity());
        printModel(o, report.card(), state);
        o.println("written:         " + out.toAbsolutePath().normalize() + " (" + size(out) + ")");
        o.println("time:            " + TrainCommand.duration(seconds) + " (" + started.description() + ")");
        o.println("next: scaleprotoseg info " + out);
        return 0;
    }

    static void printParity(PrintWriter o, Parity p) {
        o.printf(Locale.ROOT, "  max |logit difference|   %.3g%n", p.maxAbsLogitDifference());
        o.printf(Locale.ROOT, "  relative difference      %.3g x max |logit| (bound %.0e)%n", p.relativeLogitDifference(),
                Parity.RELATIVE_LOGIT_BOUND);
        o.printf(Locale.ROOT, "  identical mask pixels    %.4f%% (bound %.1f%%)%n", 100 * p.maskAgreement(),
                100 * Parity.MASK_AGREEMENT_BOUND);
    }

    /** Prototypes in use, groups and threshold of an exported card. */
    static void printModel(PrintWriter o, ModelCard card, CheckpointState state) {
        if (!card.method().hasPrototypes()) {
            o.println("prototypes:      none (black-box " + card.method().id() + ")");
            return;
        }
        Integer trained = null;
        if (state != null && state.prototypes() != null) {
            trained = state.prototypes().size();
        }
        o.println("prototypes:      " + card.prototypes().size() + " in use" + (trained == null ? ""
                : " (of " + trained + " after projection" + (card.method().hasGroups() ? "; the others have no group weight "
                        + "above the threshold" : "") + ")"));
        if (card.method().hasGroups()) {
            o.printf(Locale.ROOT, "groups:          %d, %.2f prototypes per group on average%n", card.groups().size(),
                    ModelExports.prototypesPerGroup(card));
            o.println("threshold:       " + (card.threshold() == null ? "none" : Html.num(card.threshold())));
        }
    }

    static String size(Path file) {
        try {
            long b = Files.size(file);
            return b >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", b / 1048576.0)
                    : String.format(Locale.ROOT, "%.0f kB", b / 1024.0);
        } catch (IOException e) {
            return "size unknown";
        }
    }
}
