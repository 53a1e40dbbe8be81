package io.scaleprotoseg.samples;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.exporter.CheckpointConverter;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.trainer.analysis.InterpretabilityAnalysis;
import io.scaleprotoseg.trainer.checkpoint.CheckpointState;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code analyze}: the interpretability measurements of METHOD.md 5 on a trained run (sparsity,
 * group overlap, per-scale connected components, part consistency and stability, nearest patches)
 * and the group graph of each class, as JSON and pictures.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Measures how interpretable a trained prototype model is and writes DIR/analysis.json (sparsity, group "
                + "overlap, per-scale activation statistics, consistency and stability on part labels), DIR/scales.png, "
                + "DIR/nearest_patches.png (each prototype's patch, then its nearest training patches), "
                + "DIR/nearest_prototypes.png (image patches, then their nearest prototypes) and "
                + "DIR/group_graph_CLASS.png per class (scaleprotoseg).",
            "Consistency and stability need part labels (the built-in scenes have them; for folder data, a parts/ "
                + "directory). The data defaults as for eval."
        })
final class AnalyzeCommand extends CommandBase {
    @Option(names = "--run", required = true, paramLabel = "RUN_DIR", description = "the run directory 'train --out' wrote")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created when missing)")
    Path out;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "analyse this checkpoint instead of the final one")
    Path checkpoint;

    @Option(names = "--images", defaultValue = "24", paramLabel = "N",
            description = "validation images measured (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--train-images", defaultValue = "50", paramLabel = "N",
            description = "training images searched for nearest patches (default: ${DEFAULT-VALUE})")
    int trainImages;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K",
            description = "patches per prototype and prototypes per patch (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "seed of the stability noise")
    long seed;

    @Mixin
    DataOptions data;

    @Mixin
    EngineOptions engine;

    @Override
    int execute() throws Exception {
        if (images < 1 || trainImages < 1 || top < 1) {
            throw new UserError("--images, --train-images and --top must be positive");
        }
        if (!Files.isDirectory(run)) {
            throw new UserError("--run " + run + ": " + (Files.exists(run) ? "not a directory" : "no such directory"));
        }
        Path file = checkpoint != null ? checkpoint : TrainedModel.finalCheckpoint(run);
        CheckpointState state = RunFiles.state(file);
        String trainedOn = state == null ? null : state.dataset();
        SegmentationDataset val = data.openForRun(run, trainedOn, Split.VAL, "to analyse");
        SegmentationDataset train = data.openForRun(run, trainedOn, Split.TRAIN, "for nearest patches");
        EngineOptions.Started started = engine.start();
        long t0 = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(started.device());
                TrainedModel model = TrainedModel.load(file, manager)) {
            if (!model.config().network().method().hasPrototypes()) {
                throw new UserError(file + " is a " + model.config().network().method().id()
                        + " model: it has no prototypes to analyse");
            }
            InterpretabilityAnalysis.Report r = InterpretabilityAnalysis.run(model, val, train, images, trainImages, top, seed,
                    out);
            int graphs = 0;
            if (model.params().contains(SegmentationNetwork.GROUP_WEIGHTS)) {
                ModelCard card = CheckpointConverter.convert(model, null, Map.of()).card();
                float[] last = model.params().floats(SegmentationNetwork.GROUP_LAST_LAYER);
                int rows = last.length / card.numClasses();
                for (ModelCard.ClassInfo c : card.classes()) {
                    Map<Integer, Double> own = new HashMap<>();
                    for (ModelCard.Group g : card.groups()) {
                        if (g.classId() == c.id()) {
                            int row = g.classId() * model.config().network().groupsPerClass() + g.index();
                            own.put(g.index(), (double) last[c.id() * rows + row]);
                        }
                    }
                    BufferedImage img = GroupGraph.draw(card, c.id(), own);
                    if (img != null) {
                        ImageIO.write(img, "png", out.resolve("group_graph_" + c.name().replaceAll("[^A-Za-z0-9_-]", "_")
                                + ".png").toFile());
                        graphs++;
                    }
                }
            }
            report(r, graphs, (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    private void report(InterpretabilityAnalysis.Report r, int graphs, double seconds) {
        var o = out();
        o.printf(Locale.ROOT, "model:               %s, %d images%n", r.model(), r.images());
        o.printf(Locale.ROOT, "prototypes in use:   %d of %d%n", r.sparsity().activePrototypes(), r.sparsity().prototypes());
        if (r.sparsity().membersPerGroup().length > 0) {
            o.printf(Locale.ROOT, "prototypes / group:  %.2f%n", r.sparsity().meanMembersPerGroup());
        }
        o.printf(Locale.ROOT, "mean |last layer|:   %.4f%n", r.sparsity().meanAbsLastLayerWeight());
        if (r.groupOverlap() != null) {
            o.printf(Locale.ROOT, "group overlap (IoU): %.3f%n", r.groupOverlap());
        }
        for (InterpretabilityAnalysis.ScaleStatistics s : r.scales()) {
            StringBuilder sb = new StringBuilder();
            for (int q = 0; q < s.percentiles().length; q++) {
                sb.append(String.format(Locale.ROOT, "  p%.0f: %.1f comp., %.0f px", 100 * s.percentiles()[q], s.meanCount()[q],
                        s.meanArea()[q]));
            }
            o.println("scale " + s.scale() + (s.dilation() > 0 ? " (dilation " + s.dilation() + ")" : "") + ":" + sb);
        }
        if (r.consistency() != null) {
            o.printf(Locale.ROOT, "consistency:         %.3f (%d prototypes with part labels)%n", r.consistency(),
                    r.prototypesWithParts());
            o.printf(Locale.ROOT, "stability:           %.3f%n", r.stability());
        } else {
            o.println("consistency:         - (no part labels in the data)");
        }
        o.println("written:             " + out.toAbsolutePath().normalize() + " (analysis.json, scales.png, "
                + "nearest_patches.png, nearest_prototypes.png" + (graphs > 0 ? ", " + graphs + " group graphs" : "") + ")");
        o.println("time:                " + TrainCommand.duration(seconds));
    }
}
