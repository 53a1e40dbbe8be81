package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InferenceException;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.InvalidImageException;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code segment}: masks, colour overlays and JSON summaries for one image or a directory of
 * images. A bad image is reported and skipped; the exit code is 1 when any image failed.
 */
@Command(name = "segment", mixinStandardHelpOptions = true,
        description = {
            "Segments an image, a directory of images or a video into masks, overlays and JSON summaries.",
            "A directory contributes its png, jpg, jpeg, bmp, gif, tif and tiff files (not segment's own outputs). "
                + "Per image NAME it "
                + "writes NAME_mask.png (class ids as grey: 8-bit, 16-bit above 255 classes), "
                + "NAME_overlay.png and NAME.json (class areas, backend, latency, strongest groups and "
                + "prototypes per class). A bad image is reported and skipped; the exit code is then 1.",
            "A video (mp4, mkv, webm, mov, avi and the other containers and codecs FFmpeg decodes) VIDEO.EXT gives "
                + "VIDEO_overlay.mp4 (H.264, the segmented frames at the video's frame rate / --every) and VIDEO.jsonl (one "
                + "JSON line per segmented frame: its index and time, then what NAME.json holds). Frames are decoded, "
                + "segmented and encoded one at a time. Both files appear only when the whole video is done; an existing "
                + "one is kept unless --overwrite. A truncated or undecodable video is refused with the reason."
        })
final class SegmentCommand extends CommandBase {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "the exported .onnx model")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "IMAGE_OR_DIR", description = "an image file or a directory of images")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created when missing)")
    Path out;

    @Mixin
    BackendOptions backend;

    @Option(names = "--evidence", converter = Converters.EvidenceConverter.class, paramLabel = "LEVEL",
            description = "none, groups or full (default: groups; none for black-box deeplabv2 models)")
    Evidence evidence;

    @Option(names = "--size", defaultValue = "keep", converter = Converters.SizingConverter.class, paramLabel = "SIZE",
            description = "network input size: keep, WxH, N for the shorter side, or tile:SIZE[:OVERLAP] (large images as "
                + "overlapping tiles at their own resolution, memory bounded by the tile; OVERLAP defaults to SIZE/8) "
                + "(default: ${DEFAULT-VALUE})")
    InputSizing sizing;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K",
            description = "groups and prototypes listed per class in the JSON (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--every", defaultValue = "1", paramLabel = "N",
            description = "video input: segment every N-th frame (frames 0, N, 2N, ...; default: ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--overwrite",
            description = "video input: replace VIDEO_overlay.mp4 and VIDEO.jsonl when they exist (default: refuse)")
    boolean overwrite;

    /** One processed image, for the closing table. */
    private record Row(String name, int width, int height, int classes, double inferenceMs, double totalMs) {
    }

    @Override
    int execute() throws Exception {
        if (topK < 0) {
            throw new UserError("--top must be 0 or positive, got " + topK);
        }
        if (every < 1) {
            throw new UserError("--every must be 1 or more, got " + every);
        }
        boolean video = SegmentVideo.isVideo(input);
        if (!video && every != 1) {
            throw new UserError("--every " + every + " applies to video input; " + input + " is not a video (a video has "
                    + "one of the extensions " + String.join(", ", SegmentVideo.EXTENSIONS.stream().sorted().toList())
                    + ", or a container FFmpeg recognises)");
        }
        ModelCard card = ModelFiles.readCard(model, "--model");
        Evidence level = evidenceFor(card, evidence);
        ImageFiles.checkTileSize(card, sizing);
        if (video) {
            return segmentVideo(level);
        }
        List<Path> listed = ImageFiles.list(input, "--input");
        // a directory segmented before (into itself, say) holds this command's outputs: never inputs
        List<Path> files = Files.isDirectory(input) ? listed.stream().filter(p -> !ImageFiles.isSegmentOutput(p)).toList()
                : listed;
        if (files.size() < listed.size()) {
            err().println("note: skipped " + (listed.size() - files.size()) + " files of --input that are segment's own "
                    + "outputs (NAME_mask.png, NAME_overlay.png next to NAME.json)");
        }
        if (files.isEmpty()) {
            throw new UserError("--input " + input + ": the directory holds only segment's outputs, no image to segment");
        }
        boolean created = outputDirectory(out, "--out");

        List<Row> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try (Segmenter seg = backend.apply(Segmenter.builder().model(model)).evidence(level).inputSizing(sizing).build()) {
            ProgressBar bar = files.size() > 1 ? progressBar(files.size()) : null;
            try {
                segmentEach(seg, files, bar, rows, failures);
            } finally {
                if (bar != null) {
                    bar.close();
                    err().println();
                }
            }
            out().println("backend: " + seg.backendInfo().backend().cliName() + " (" + seg.backendInfo().description()
                    + "), evidence " + level.name().toLowerCase(Locale.ROOT));
        }
        printTable(rows);
        if (rows.isEmpty() && created) {
            // nothing was written: leave no empty folder behind
            Files.deleteIfExists(out);
        }
        if (!failures.isEmpty()) {
            err().println("error: " + failures.size() + " of " + files.size() + " images failed; " + (rows.isEmpty()
                    ? "nothing was written" : "the others were written to " + out));
            return USER_ERROR;
        }
        return 0;
    }

    /** Segments the video {@code input}: refusals first (bad video, existing outputs), then the model. */
    private int segmentVideo(Evidence level) throws Exception {
        VideoProbe probe = VideoProbe.of(input);
        boolean created = outputDirectory(out, "--out");
        try {
            SegmentVideo.refuseExisting(input, out, overwrite);
            try (Segmenter seg = backend.apply(Segmenter.builder().model(model)).evidence(level).inputSizing(sizing).build()) {
                String warning = ImageFiles.resolutionWarning(seg.card(), sizing, input.getFileName().toString(),
                        probe.width(), probe.height());
                if (warning != null) {
                    err().println("warning: " + warning);
                }
                long expected = probe.expectedFrames();
                ProgressBar bar = videoProgressBar(expected > 0 ? (expected + every - 1) / every : -1);
                SegmentVideo.Result r;
                try {
                    r = SegmentVideo.run(seg, probe, every, topK, out, bar::stepTo);
                } finally {
                    bar.close();
                    err().println();
                }
                out().println("backend: " + seg.backendInfo().backend().cliName() + " (" + seg.backendInfo().description()
                        + "), evidence " + level.name().toLowerCase(Locale.ROOT));
                SegmentVideo.report(out(), probe, every, r);
                if (FfmpegLog.errorCount() > 0) {
                    // FFmpeg conceals a damaged frame and goes on; the count matched, so say what it reported
                    err().println("warning: FFmpeg reported " + FfmpegLog.errorCount() + " errors while reading " + input
                            + FfmpegLog.quoted() + "; the frames it concealed were segmented as decoded");
                }
            }
            return 0;
        } finally {
            if (created) {
                try (var left = Files.list(out)) {
                    if (left.findAny().isEmpty()) {
                        Files.deleteIfExists(out); // nothing was written: leave no empty folder behind
                    }
                }
            }
        }
    }

    private ProgressBar videoProgressBar(long total) {
        // frames per second as the speed; an unknown length (total -1) gives a bar without an end
        return new ProgressBarBuilder()
                .setTaskName("segment")
                .setInitialMax(total)
                .setUnit(" frames", 1)
                .showSpeed(new DecimalFormat("0.0"))
                .setUpdateIntervalMillis(250)
                .setStyle(System.console() != null ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(new DelegatingProgressBarConsumer(line -> {
                    err().print('\r' + line);
                    err().flush();
                }, 100))
                .build();
    }

    /** Whether the training-resolution warning was given (once a run). */
    private boolean warnedResolution;

    /** Segments and writes every file; a failing image is reported at once and skipped. */
    private void segmentEach(Segmenter seg, List<Path> files, ProgressBar bar, List<Row> rows, List<String> failures) {
        Map<Path, String> names = ImageFiles.outputNames(files);
        for (Path file : files) {
            String failure = null;
            try {
                BufferedImage image = ImageFiles.read(file, backend.maxPixels);
                String warning = warnedResolution ? null : ImageFiles.resolutionWarning(seg.card(), sizing,
                        file.getFileName().toString(), image.getWidth(), image.getHeight());
                if (warning != null) {
                    err().println("warning: " + warning);
                    warnedResolution = true;
                }
                Segmentation s = seg.segment(image);
                SegmentOutputs.write(out, names.get(file), image, s, topK);
                int present = 0;
                for (long a : s.classAreas()) {
                    present += a > 0 ? 1 : 0;
                }
                rows.add(new Row(file.getFileName().toString(), s.width(), s.height(), present,
                        s.inferenceNanos() / 1e6, s.totalNanos() / 1e6));
            } catch (InvalidImageException e) {
                // the SDK's message already names the file
                failure = ImageFiles.forCommandLine(e).getMessage();
            } catch (InferenceException e) {
                failure = e.getMessage();
            } catch (IOException e) {
                failure = file + ": cannot write its outputs to " + out + ": " + describe(e);
            }
            if (failure != null) {
                failures.add(failure);
                // on its own line, even while the progress bar is drawn
                err().println((bar != null ? "\r" : "") + "error: " + failure);
                err().flush();
            }
            if (bar != null) {
                bar.step();
            }
        }
    }

    /**
     * The evidence level to run with: what the user asked for, or by default none for black-box
     * models and groups otherwise. Asking a black-box model for evidence is a user error.
     */
    static Evidence evidenceFor(ModelCard card, Evidence requested) {
        boolean blackBox = !card.method().hasPrototypes();
        if (requested == null) {
            return blackBox ? Evidence.NONE : Evidence.GROUPS;
        }
        if (blackBox && requested != Evidence.NONE) {
            throw new UserError("--evidence " + requested.name().toLowerCase(Locale.ROOT) + ": the model is a "
                    + card.method().id() + " (black-box) model and has no prototypes or groups to give evidence from; "
                    + "use --evidence none (the default for such models) or a " + ModelKind.SCALEPROTOSEG.id() + " or "
                    + ModelKind.PROTOSEG.id() + " model");
        }
        return requested;
    }

    private ProgressBar progressBar(int total) {
        // rendered into the command's stderr writer, so stdout keeps only results
        return new ProgressBarBuilder()
                .setTaskName("segment")
                .setInitialMax(total)
                .setUnit(" images", 1)
                .setUpdateIntervalMillis(250)
                // colours and block characters only where a person watches; plain ASCII in logs
                .setStyle(System.console() != null ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(new DelegatingProgressBarConsumer(line -> {
                    err().print('\r' + line);
                    err().flush();
                }, 100))
                .build();
    }

    private void printTable(List<Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        int w = Math.max(5, rows.stream().mapToInt(r -> r.name.length()).max().orElse(5));
        out().printf(Locale.ROOT, "%-" + w + "s  %9s  %7s  %12s  %8s%n", "image", "size", "classes", "inference ms",
                "total ms");
        for (Row r : rows) {
            out().printf(Locale.ROOT, "%-" + w + "s  %9s  %7d  %12.1f  %8.1f%n", r.name, r.width + "x" + r.height,
                    r.classes, r.inferenceMs, r.totalMs);
        }
        out().println("written to " + out.toAbsolutePath().normalize());
    }
}
