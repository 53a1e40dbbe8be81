package io.scaleprotoseg.samples;

import io.scaleprotoseg.exporter.ModelImporter;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.ClassesFile;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Datasets;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.imports.ReferenceModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code import}: a checkpoint of the reference PyTorch implementation to one ONNX model file,
 * read without Python and without running anything in the file.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Converts a checkpoint written by the reference PyTorch implementation (torch.save(model) of a ScaleProtoSeg "
                + "group model or a ProtoSeg model, or a DeepLabv2 model or state dict; zip or legacy format) into one ONNX "
                + "model file with its card. Nothing in the file is executed: only tensors, dicts and the names of module "
                + "classes are read, and a file that asks to call anything else is refused.",
            "The network (backbone blocks and width, ASPP dilations, prototypes per class and scale, groups, prototype "
                + "dimension) is read from the checkpoint. As for export, the trainer's forward pass and ONNX Runtime must "
                + "agree on generated images (max |logit difference| <= 1e-3 x max |logit|, >= 99.9%% identical mask "
                + "pixels), or nothing is written. Imported prototypes have no projection sources or patch images; the card "
                + "says so.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  scaleprotoseg import --checkpoint final-group.pth --classes cityscapes --out cityscapes.onnx",
            "  scaleprotoseg import --checkpoint final-group.pth --classes cityscapes --threshold 0.05 --out sparse.onnx",
            "  scaleprotoseg import --checkpoint model.pth --classes my-data/classes.txt --out model.onnx",
            "A stage-1 ScaleProtoSeg checkpoint (no groups) is refused: learn its groups with 'train --stage2-from'.",
            "Backbone weights (torchvision ResNet, deeplab_pytorch COCO init) are for 'train --weights', not import."
        })
final class ImportCommand extends CommandBase {
    static final String DATA_SETS = "cityscapes, pascal, ade20k, coco-stuff, coco-stuff-182 (the reference's 182 outputs), em";

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE.pth",
            description = "the reference checkpoint (torch.save file)")
    Path checkpoint;

    @Option(names = "--classes", paramLabel = "NAME|classes.txt",
            description = "the classes the model was trained on: " + DATA_SETS + ", or a classes.txt file "
                + "(default: generic names 'class 0', 'class 1', ...)")
    String classes;

    @Option(names = "--threshold", paramLabel = "T",
            description = "group weights below T are set to 0 (group models; default: the weights as found)")
    Double threshold;

    @Option(names = "--out", required = true, paramLabel = "MODEL.onnx", description = "the model file to write")
    Path out;

    @Option(names = "--parity-images", defaultValue = "4", paramLabel = "N",
            description = "generated images of the parity check (default: ${DEFAULT-VALUE})")
    int parityImages;

    @Mixin
    EngineOptions engine;

    @Override
    int execute() throws Exception {
        ExportCommand.checkParityAndThreshold(parityImages, threshold);
        if (!Files.isRegularFile(checkpoint)) {
            throw new UserError("--checkpoint " + checkpoint + ": " + (Files.isDirectory(checkpoint) ? "a directory, not a file"
                    : "no such file"));
        }
        if (Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a directory; give a file name such as model.onnx");
        }
        LabelSpace labels = classes == null ? null : labels(classes);
        EngineOptions.Started started = engine.start();
        long t0 = System.nanoTime();
        ModelImporter.Report report = ModelImporter.importCheckpoint(checkpoint, labels, threshold, out, parityImages);
        double seconds = (System.nanoTime() - t0) / 1e9;
        ReferenceModel ref = report.source();
        NetworkConfig n = ref.network();
        var o = out();
        o.println("checkpoint:      " + checkpoint.toAbsolutePath().normalize());
        o.println("sha-256:         " + ref.sha256());
        o.println("model:           " + ref.description() + " (" + ref.classPath() + ")");
        o.println("network:         " + describe(n));
        o.println("classes:         " + (classes == null ? n.numClasses() + ", generic names (give --classes to name them)"
                : classes + " (" + n.numClasses() + ")"));
        o.println("parity:          " + report.export().parity().images() + " generated images (trainer vs ONNX Runtime CPU)");
        ExportCommand.printParity(o, report.export().parity());
        ExportCommand.printModel(o, report.export().card(), null);
        o.println("written:         " + out.toAbsolutePath().normalize() + " (" + ExportCommand.size(out) + ")");
        o.printf(Locale.ROOT, "time:            %s (reading the checkpoint %.2f s; %s)%n", TrainCommand.duration(seconds),
                report.readSeconds(), started.description());
        o.println("next: scaleprotoseg info " + out);
        return 0;
    }

    /** The network in one line. */
    static String describe(NetworkConfig n) {
        String backbone = n.backboneName() + (n.widthDivisor() == 1 ? "" : " at 1/" + n.widthDivisor() + " width");
        String aspp = "ASPP dilations " + Arrays.stream(n.dilations()).mapToObj(String::valueOf).collect(Collectors.joining(", "))
                + (n.method() == ModelKind.SCALEPROTOSEG ? " (concatenated)" : " (summed)");
        String msc = n.mscScales().isEmpty() ? "" : ", input scales 1 and " + n.mscScales().stream().map(String::valueOf)
                .collect(Collectors.joining(", "));
        if (n.method() == ModelKind.DEEPLABV2) {
            return backbone + ", " + aspp + msc;
        }
        String head = n.method() == ModelKind.SCALEPROTOSEG
                ? n.prototypesPerClass() + " prototypes per class and scale, D " + n.dim() + ", " + n.groupsPerClass()
                        + " groups per class"
                : n.prototypesPerClass() + " prototypes per class, D " + n.dim();
        return backbone + ", " + aspp + ", " + head + msc;
    }

    /** The classes of a named data set or a classes.txt file. */
    static LabelSpace labels(String spec) {
        try {
            LabelSpace builtIn = Datasets.builtInLabels(spec);
            if (builtIn != null) {
                return builtIn;
            }
            Path file = Path.of(spec);
            if (!Files.isRegularFile(file)) {
                throw new UserError("--classes " + spec + ": neither a data set (" + DATA_SETS + ") nor a classes.txt file");
            }
            return ClassesFile.readClasses(file);
        } catch (DatasetException e) {
            throw new UserError("--classes: " + e.getMessage());
        }
    }
}
