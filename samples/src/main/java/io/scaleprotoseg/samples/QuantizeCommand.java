package io.scaleprotoseg.samples;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.quant.ActivationType;
import io.scaleprotoseg.graph.quant.CalibrationMethod;
import io.scaleprotoseg.graph.quant.Calibrator;
import io.scaleprotoseg.graph.quant.QdqQuantizer;
import io.scaleprotoseg.graph.quant.QuantizationException;
import io.scaleprotoseg.runtime.ort.OrtTensorProbe;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelComparison;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.spi.FileDigest;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code quantize}: static INT8 quantisation of a model file in QDQ form ({@link QdqQuantizer}),
 * calibrated on images run through the FP32 model by ONNX Runtime, checked against the FP32 model
 * on the same images ({@link ModelComparison}) before anything is written.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Quantises a model to INT8 for faster CPU inference: the backbone and ASPP convolutions get int8 weights "
                + "(symmetric, per output channel) and per-tensor activation scales calibrated on images; the prototype "
                + "head (distances, log-similarities, groups, last layer) stays FP32, so the evidence keeps its meaning. "
                + "The file is QDQ ONNX (QuantizeLinear/DequantizeLinear), which ONNX Runtime runs with int8 kernels and "
                + "TensorRT reads for explicit-precision INT8 engines.",
            "Calibration images come from a labelled split (--data, --split; default train) or a folder of images "
                + "(--images). Before writing, the INT8 model is compared with the FP32 one on the calibration images "
                + "(mask agreement, mIoU when labelled, evidence drift, top-3 part ranking); nothing is written unless "
                + "that check completes and the agreement reaches --min-agreement. The card records the method, the "
                + "calibration set and the check.",
            ""
        })
final class QuantizeCommand extends CommandBase {
    /** Default number of calibration images. */
    static final int DEFAULT_COUNT = 32;

    @Option(names = "--model", required = true, paramLabel = "MODEL.onnx", description = "the FP32 model to quantise")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "train", converter = EvalCommand.SplitConverter.class, paramLabel = "SPLIT",
            description = "the split of --data to calibrate on (default: ${DEFAULT-VALUE})")
    Split split;

    @Option(names = "--images", paramLabel = "DIR", description = "calibrate on the images of this folder instead (unlabelled)")
    Path images;

    @Option(names = "--images-count", defaultValue = "" + DEFAULT_COUNT, paramLabel = "N",
            description = "calibration images: the first N (default: ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--method", defaultValue = "percentile", paramLabel = "METHOD",
            description = "activation ranges: minmax, percentile or entropy (default: ${DEFAULT-VALUE}, the most accurate "
                    + "measured on the demo models)")
    String method;

    @Option(names = "--percentile", defaultValue = "" + Calibrator.DEFAULT_PERCENTILE, paramLabel = "P",
            description = "the percentile of --method percentile (default: ${DEFAULT-VALUE})")
    double percentile;

    @Option(names = "--activations", defaultValue = "uint8", paramLabel = "TYPE",
            description = "activation encoding: uint8 (asymmetric, ONNX Runtime's fast x86 path) or int8 (symmetric) "
                    + "(default: ${DEFAULT-VALUE})")
    String activations;

    @Option(names = "--min-agreement", defaultValue = "0.95", paramLabel = "F",
            description = "refuse to write when FP32 and INT8 masks agree on fewer than this share of calibration pixels "
                    + "(default: ${DEFAULT-VALUE})")
    double minAgreement;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "ONNX Runtime intra-op threads; 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--out", required = true, paramLabel = "MODEL-int8.onnx", description = "the INT8 model to write")
    Path out;

    /** The calibration images. */
    private interface Images {
        int size();

        Sample get(int index) throws Exception;

        String describe();

        /** Whether the images come with labels. */
        boolean labelled();
    }

    @Override
    int execute() throws Exception {
        CalibrationMethod m = CalibrationMethod.parse(method);
        ActivationType type = ActivationType.parse(activations);
        if (count < 1) {
            throw new UserError("--images-count must be positive, got " + count);
        }
        if (threads < 0) {
            throw new UserError("--threads must be 0 (all cores) or positive, got " + threads);
        }
        if (!(minAgreement >= 0 && minAgreement <= 1)) {
            throw new UserError("--min-agreement must lie in 0..1, got " + minAgreement);
        }
        if (Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a directory; give a file name such as model-int8.onnx");
        }
        ModelCard card;
        try {
            card = ModelFiles.readCard(model, "--model");
        } catch (ModelFormatException e) {
            throw new QuantizationException("--model " + model + " cannot be quantised: " + e.getMessage(), e);
        }
        if (Files.exists(out) && Files.isSameFile(out, model)) {
            throw new UserError("--out " + out + " is the --model file; write the INT8 model to another file");
        }
        if (card.quantization() != null) {
            throw new QuantizationException("--model " + model + " is quantised already (" + card.quantization().method()
                    + " calibration, " + card.quantization().time() + "); quantise its FP32 source instead");
        }
        Images calib = calibrationImages();
        int n = Math.min(count, calib.size());
        OnnxMl.ModelProto proto = parse(model);
        QdqQuantizer.Plan plan = QdqQuantizer.plan(proto, model.toString());
        List<String> tensors = plan.calibrationTensors();
        var o = out();
        o.printf(Locale.ROOT, "model:        %s (%s), %d convolutions to INT8, %d activation tensors%n", model,
                card.method().id(), plan.convolutions(), tensors.size());
        o.printf(Locale.ROOT, "calibration:  %s, %d images, %s%s%n", calib.describe(), n, m.id(),
                m == CalibrationMethod.PERCENTILE ? " " + percentile : "");

        long t0 = System.nanoTime();
        Map<String, QdqQuantizer.Range> ranges;
        try (OrtTensorProbe probe = OrtTensorProbe.open(plan.probe().toByteArray(), threads)) {
            ranges = Calibrator.calibrate(new Calibrator(m, percentile, type).minMaxFor(plan.imageTensors()), tensors, n, (i, sink) -> {
                Sample s = calib.get(i);
                probe.run(s.image(), s.width(), s.height(), tensors, sink::accept);
            });
        }
        OnnxMl.ModelProto quantized = plan.quantize(ranges, type);
        double calibSeconds = (System.nanoTime() - t0) / 1e9;

        // the check runs on the INT8 model as it will be written (a temporary file beside --out)
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, out.getFileName().toString(), ".check.tmp");
        ModelComparison cmp;
        try {
            InferenceGraphWriter.writeAtomically(quantized, tmp);
            t0 = System.nanoTime();
            cmp = check(card, tmp, calib, n);
        } finally {
            Files.deleteIfExists(tmp);
        }
        double checkSeconds = (System.nanoTime() - t0) / 1e9;
        ModelCard.Check check = cmp.toCheck();
        report(check, calibSeconds, checkSeconds);
        if (check.maskAgreement() < minAgreement) {
            throw new QuantizationException(String.format(Locale.ROOT, "the INT8 model's masks agree with the FP32 model's on "
                    + "%.2f%% of the calibration pixels, below --min-agreement %.2f%%; nothing written. Try another --method "
                    + "than %s, more calibration images (--images-count), or images closer to those the model will see",
                    100 * check.maskAgreement(), 100 * minAgreement, m.id()));
        }
        ModelCard.Quantization record = new ModelCard.Quantization(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                m.id(), m == CalibrationMethod.PERCENTILE ? percentile : null, type.description(),
                "int8 symmetric per output channel (biases int32)", plan.convolutions(), calib.describe(), n,
                FileDigest.sha256(model), check);
        ModelCard quantCard = card.withQuantization(record);
        OnnxMl.ModelProto.Builder b = quantized.toBuilder();
        for (int i = 0; i < b.getMetadataPropsCount(); i++) {
            if (b.getMetadataProps(i).getKey().equals(ModelCard.METADATA_KEY)) {
                b.setMetadataProps(i, b.getMetadataProps(i).toBuilder().setValue(quantCard.toJson()));
            }
        }
        InferenceGraphWriter.writeAtomically(b.build(), out);
        o.printf(Locale.ROOT, "written:      %s (%.1f MB; FP32 %.1f MB)%n", out, Files.size(out) / 1e6, Files.size(model) / 1e6);
        return 0;
    }

    /** The FP32 (reference) and INT8 models on the calibration images, through the SDK. */
    private ModelComparison check(ModelCard card, Path int8, Images calib, int n) throws Exception {
        Evidence level = card.method().hasPrototypes() ? Evidence.FULL : Evidence.NONE;
        ModelComparison cmp = new ModelComparison(card.numClasses(), card.ignoreLabel());
        try (Segmenter ref = Segmenter.builder().model(model).backend(Backend.ORT_CPU).intraOpThreads(threads).evidence(level)
                        .build();
                Segmenter cand = Segmenter.builder().model(int8).backend(Backend.ORT_CPU).intraOpThreads(threads).evidence(level)
                        .build()) {
            for (int i = 0; i < n; i++) {
                Sample s = calib.get(i);
                cmp.add(ref.segment(s.image(), s.width(), s.height()), cand.segment(s.image(), s.width(), s.height()),
                        calib.labelled() ? s.labels() : null);
            }
        }
        return cmp;
    }

    private void report(ModelCard.Check c, double calibSeconds, double checkSeconds) {
        var o = out();
        o.printf(Locale.ROOT, "calibrated:   %.1f s; check on the calibration images: %.1f s%n", calibSeconds, checkSeconds);
        o.printf(Locale.ROOT, "mask agreement with FP32: %.4f%n", c.maskAgreement());
        if (c.meanIouFp32() != null) {
            o.printf(Locale.ROOT, "mIoU:         FP32 %.4f, INT8 %.4f (%+.4f)%n", c.meanIouFp32(), c.meanIouInt8(),
                    c.meanIouInt8() - c.meanIouFp32());
        }
        if (c.contributionMaxDelta() != null) {
            o.printf(Locale.ROOT, "evidence:     |d contribution| max %.4f, mean %.5f; top-3 parts in the same order on %.4f "
                    + "of pixels%n", c.contributionMaxDelta(), c.contributionMeanDelta(), c.top3Agreement());
        }
        if (c.activationMaxDelta() != null) {
            o.printf(Locale.ROOT, "              |d g| of the decided class's prototypes max %.4f, mean %.5f%n",
                    c.activationMaxDelta(), c.activationMeanDelta());
        }
    }

    private Images calibrationImages() throws Exception {
        if (images != null) {
            if (data.given()) {
                throw new UserError("--images and --data/--format are alternatives; give one source of calibration images");
            }
            if (!Files.isDirectory(images)) {
                throw new QuantizationException("--images " + images + ": " + (Files.exists(images) ? "not a directory"
                        : "no such directory"));
            }
            List<Path> files;
            try (var s = Files.list(images)) {
                files = s.filter(Files::isRegularFile).filter(p -> ImageFiles.EXTENSIONS.contains(ImageFiles.extension(p)))
                        .sorted().toList();
            }
            if (files.isEmpty()) {
                throw new QuantizationException("--images " + images + ": the directory holds no image files ("
                        + String.join(", ", ImageFiles.EXTENSIONS.stream().sorted().toList()) + "); calibration needs images "
                        + "like those the model will see");
            }
            return new Images() {
                @Override
                public int size() {
                    return files.size();
                }

                @Override
                public Sample get(int index) throws Exception {
                    Path f = files.get(index);
                    var rgb = io.scaleprotoseg.trainer.data.ImageFiles.toRgb(ImageFiles.read(f, ImageFiles.MAX_PIXELS));
                    return new Sample(ImageFiles.stem(f), rgb.width(), rgb.height(), rgb.chw(), new int[rgb.width()
                            * rgb.height()], null);
                }

                @Override
                public boolean labelled() {
                    return false;
                }

                @Override
                public String describe() {
                    return "images in " + images.toAbsolutePath().normalize();
                }
            };
        }
        if (!data.given()) {
            throw new UserError("give calibration images: --data DIR (a labelled data set; --split, default train) or "
                    + "--images DIR (a folder of images)");
        }
        SegmentationDataset ds = data.open(split, Map.of());
        return new Images() {
            @Override
            public int size() {
                return ds.size();
            }

            @Override
            public Sample get(int index) throws Exception {
                return ds.get(index);
            }

            @Override
            public String describe() {
                return ds.name();
            }

            @Override
            public boolean labelled() {
                return true;
            }
        };
    }

    private static OnnxMl.ModelProto parse(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            return OnnxMl.ModelProto.parseFrom(coded);
        }
    }
}
