package io.scaleprotoseg.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scaleprotoseg.sdk.InferenceException;
import io.scaleprotoseg.sdk.InvalidImageException;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code segment} on a video: decodes it frame by frame, segments every {@code every}-th frame
 * through {@link Segmenter#segmentFrames} and writes {@code NAME_overlay.mp4} (the overlays of the
 * segmented frames, at the video's frame rate divided by {@code every}, so it lasts as long) and
 * {@code NAME.jsonl} (one JSON line per segmented frame). Memory does not grow with the video's
 * length. Both files appear under their names only when the whole video was segmented.
 */
final class SegmentVideo {
    /** File extensions taken as video without probing (lower case). */
    static final Set<String> EXTENSIONS = Set.of("mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts",
            "m2ts", "flv", "wmv", "ogv", "3gp", "y4m");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a finished run did. */
    record Result(long decoded, long segmented, double seconds, double meanInferenceMs, Path overlay, Path jsonLines) {
        /** Segmented frames per second of wall time, decoding, segmenting and encoding included. */
        double framesPerSecond() {
            return segmented / seconds;
        }
    }

    private SegmentVideo() {
    }

    /**
     * Whether {@code input} is a video: a file with a video extension, or a file that is neither
     * named nor decodable as an image and whose content FFmpeg recognises as a media container.
     */
    static boolean isVideo(Path input) throws IOException {
        if (!Files.isRegularFile(input)) {
            return false;
        }
        String ext = ImageFiles.extension(input);
        if (EXTENSIONS.contains(ext)) {
            return true;
        }
        if (ImageFiles.EXTENSIONS.contains(ext) || ImageFiles.isDecodableImage(input)) {
            return false;
        }
        return VideoProbe.looksLikeMedia(input);
    }

    /** The output files for {@code video} in {@code out}: the overlay video and the JSON lines. */
    static List<Path> outputs(Path video, Path out) {
        String name = ImageFiles.stem(video);
        return List.of(out.resolve(name + "_overlay.mp4"), out.resolve(name + ".jsonl"));
    }

    /** Refuses to run when an output of {@code video} exists in {@code out}, unless {@code overwrite}. */
    static void refuseExisting(Path video, Path out, boolean overwrite) {
        if (overwrite) {
            return;
        }
        for (Path p : outputs(video, out)) {
            if (Files.exists(p)) {
                throw new UserError(p + " exists; pass --overwrite to replace it, or choose another --out");
            }
        }
    }

    /**
     * Segments the video into {@code out} (which exists), replacing outputs there. {@code progress} is called after each
     * segmented frame with the count so far.
     */
    static Result run(Segmenter seg, VideoProbe probe, int every, int topK, Path out, Progress progress)
            throws IOException, InferenceException {
        List<Path> finals = outputs(probe.file(), out);
        long start = System.nanoTime();
        double fps = probe.frameRate() > 0 ? probe.frameRate() : 25;
        double[] inferenceMs = new double[1];
        long segmented;
        try (PendingOutputs pending = new PendingOutputs();
                VideoFrames frames = new VideoFrames(probe, every)) {
            Path videoTmp = pending.add(finals.get(0));
            Path linesTmp = pending.add(finals.get(1));
            try (BufferedWriter lines = Files.newBufferedWriter(linesTmp, StandardCharsets.UTF_8);
                    OverlayOnDemand overlay = new OverlayOnDemand(videoTmp, fps / every)) {
                try {
                    segmented = seg.segmentFrames(frames, (i, frame, s) -> {
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedIOException("interrupted after " + i + " frames of " + probe.file());
                        }
                        overlay.write(frame, s);
                        lines.write(jsonLine(frames.currentIndex(), frames.currentSeconds(), s, topK));
                        lines.newLine();
                        inferenceMs[0] += s.inferenceNanos() / 1e6;
                        progress.segmented(i + 1);
                    });
                } catch (InvalidImageException e) {
                    // the SDK names the frame by its position among the segmented ones; name the file and the frame
                    throw new UserError(probe.file() + ", frame " + frames.currentIndex() + ": "
                            + ImageFiles.forCommandLine(e).getMessage().replaceFirst("^frame \\d+ ", ""), e);
                }
                overlay.finish();
            }
            pending.commit();
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(frames.decoded(), segmented, seconds, inferenceMs[0] / Math.max(1, segmented), finals.get(0),
                    finals.get(1));
        }
    }

    /** One JSON line: the frame's index and time in the video, then {@link Segmentation#summary(int)}. */
    static String jsonLine(long frameIndex, double seconds, Segmentation s, int topK) throws IOException {
        ObjectNode line = JSON.createObjectNode();
        line.put("frame", frameIndex);
        line.put("timeSeconds", Math.round(seconds * 1e6) / 1e6);
        line.setAll((ObjectNode) JSON.valueToTree(s.summary(topK)));
        return JSON.writeValueAsString(line);
    }

    /** Receives the number of frames segmented so far. */
    interface Progress {
        void segmented(long frames);
    }

    /** The overlay video, started at the first frame (whose size it takes). */
    private static final class OverlayOnDemand implements AutoCloseable {
        private final Path file;
        private final double fps;
        private VideoOverlayWriter writer;

        OverlayOnDemand(Path file, double fps) {
            this.file = file;
            this.fps = fps;
        }

        void write(BufferedImage frame, Segmentation s) throws IOException {
            if (writer == null) {
                writer = new VideoOverlayWriter(file, frame.getWidth(), frame.getHeight(), fps);
            }
            if (frame.getWidth() != writer.width() || frame.getHeight() != writer.height()) {
                throw new IOException("the video changes its frame size from " + writer.width() + "x" + writer.height() + " to "
                        + frame.getWidth() + "x" + frame.getHeight() + "; the overlay video keeps one size");
            }
            writer.write(s.colorOverlay(frame, SegmentOutputs.OVERLAY_ALPHA));
        }

        void finish() throws IOException {
            if (writer != null) {
                writer.finish();
            }
        }

        @Override
        public void close() {
            if (writer != null) {
                writer.close();
            }
        }
    }

    /** The closing lines of a run. */
    static void report(PrintWriter out, VideoProbe probe, int every, Result r) {
        out.printf(Locale.ROOT, "video: %s, %s %dx%d, %.3f frames/s; %d frames decoded, %d segmented (every %d)%n",
                probe.file().getFileName(), probe.codec(), probe.width(), probe.height(), probe.frameRate(), r.decoded(),
                r.segmented(), every);
        out.printf(Locale.ROOT, "throughput: %.1f segmented frames/s (decode, segment, overlay and encode), inference %.1f ms "
                + "a frame%n", r.framesPerSecond(), r.meanInferenceMs());
        out.println("written: " + r.overlay().toAbsolutePath().normalize() + ", " + r.jsonLines().toAbsolutePath().normalize());
    }
}
