package io.scaleprotoseg.bench;

import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * Video throughput against the same frames as PNG files, in one process. It makes a video of
 * generated frames (smooth colour regions panning 2 pixels a frame) with JavaCV's
 * {@link FFmpegFrameRecorder} (H.264 through OpenH264, as {@code segment} writes its overlay) and
 * writes the same frames as PNG files. Then, in rounds that alternate which goes first, it runs:
 *
 * <ul>
 *   <li><b>video</b>: decode (FFmpeg) + {@code Segmenter.segmentFrames} + colour overlay + encode the
 *       overlay video (H.264) + one JSON summary per frame, as {@code segment --input VIDEO} does;</li>
 *   <li><b>png</b>: read each PNG (the SDK's decoder) + {@code Segmenter.segment} + colour overlay +
 *       write the overlay PNG + one JSON summary per frame, as {@code segment --input DIR} does less
 *       its mask PNG.</li>
 * </ul>
 *
 * It prints frames/s of both per round, the video / png ratio per round with its median, and the
 * milliseconds per frame of each stage. Both use one {@link Segmenter} (ORT CPU).
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.scaleprotoseg.bench.VideoRunner [options]
 *   --model FILE      the model (default: a random ScaleProtoSeg, see BenchModels)
 *   --seconds S       video length (default 30)
 *   --fps F           frame rate (default 30)
 *   --width W         frame width (default 1024)
 *   --height H        frame height (default 512)
 *   --rounds N        measured rounds (default 3; each runs both paths over every frame)
 *   --warmup N        frames of each path run first, unmeasured (default 30)
 *   --threads N       intra-op threads, 0 = all processors (default 0)
 *   --dir DIR         working folder for the video, PNGs and outputs (default bench/target/video-bench)
 * </pre>
 */
public final class VideoRunner {
    private static final String ENCODER = "libopenh264";
    private static final int PAN_PIXELS_PER_FRAME = 2;

    private VideoRunner() {
    }

    /** Options of one run. */
    static final class Options {
        Path model;
        double seconds = 30;
        double fps = 30;
        int width = 1024;
        int height = 512;
        int rounds = 3;
        int warmup = 30;
        int threads;
        Path dir = Path.of("bench", "target", "video-bench");

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--model" -> o.model = Path.of(v);
                    case "--seconds" -> o.seconds = Double.parseDouble(v);
                    case "--fps" -> o.fps = Double.parseDouble(v);
                    case "--width" -> o.width = Integer.parseInt(v);
                    case "--height" -> o.height = Integer.parseInt(v);
                    case "--rounds" -> o.rounds = Integer.parseInt(v);
                    case "--warmup" -> o.warmup = Integer.parseInt(v);
                    case "--threads" -> o.threads = Integer.parseInt(v);
                    case "--dir" -> o.dir = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (o.seconds <= 0 || o.fps <= 0 || o.width < 2 || o.height < 2 || o.width % 2 != 0 || o.height % 2 != 0
                    || o.rounds < 1 || o.warmup < 0 || o.threads < 0) {
                throw new IllegalArgumentException("need --seconds, --fps > 0, even --width and --height, --rounds >= 1, "
                        + "--warmup >= 0, --threads >= 0");
            }
            return o;
        }

        int frames() {
            return (int) Math.round(seconds * fps);
        }
    }

    /** Milliseconds spent per stage over one pass, and the frames it processed. */
    static final class Pass {
        final String name;
        long frames;
        long wallNanos;
        final long[] stageNanos = new long[5];

        Pass(String name) {
            this.name = name;
        }

        double framesPerSecond() {
            return frames / (wallNanos / 1e9);
        }

        double msPerFrame(int stage) {
            return stageNanos[stage] / 1e6 / frames;
        }
    }

    /** Stage names of the two paths (index = stage). */
    static final String[] VIDEO_STAGES = {"decode", "segment", "overlay", "encode", "json"};
    static final String[] PNG_STAGES = {"read png", "segment", "overlay", "write png", "json"};

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        PrintStream out = System.out;
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Files.createDirectories(o.dir);
        Path model = o.model != null ? o.model : randomModel(o.dir);
        Path video = o.dir.resolve("frames.mp4");
        Path pngs = Files.createDirectories(o.dir.resolve("frames"));
        long t0 = System.nanoTime();
        makeInputs(o, video, pngs);
        out.printf(Locale.ROOT, "inputs: %d frames of %dx%d at %.0f frames/s (%.1f s): %s (H.264, %s, %.1f MB) and %d PNG files "
                + "(%.1f MB), made in %.0f s%n", o.frames(), o.width, o.height, o.fps, o.seconds, video, ENCODER,
                Files.size(video) / 1e6, o.frames(), folderBytes(pngs) / 1e6, (System.nanoTime() - t0) / 1e9);
        List<Path> pngFiles = listPngs(pngs);
        Path overlayVideo = o.dir.resolve("overlay.mp4");
        Path overlayPngs = Files.createDirectories(o.dir.resolve("overlays"));
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                .intraOpThreads(o.threads).build()) {
            out.printf(Locale.ROOT, "model: %s (%s); backend: %s; evidence groups; intra-op threads %s%n", model,
                    seg.card().method().id(), seg.backendInfo().description(), o.threads == 0 ? "all" : o.threads);
            // warm-up: JIT, ORT's first runs, FFmpeg's codec set-up
            videoPass(seg, video, overlayVideo, o.warmup, o.fps);
            pngPass(seg, pngFiles.subList(0, Math.min(o.warmup, pngFiles.size())), overlayPngs);
            List<Pass[]> rounds = new ArrayList<>();
            out.println("round  first  video frames/s  png frames/s  video/png");
            for (int r = 0; r < o.rounds; r++) {
                Pass v;
                Pass p;
                boolean videoFirst = r % 2 == 0;
                if (videoFirst) {
                    v = videoPass(seg, video, overlayVideo, Integer.MAX_VALUE, o.fps);
                    p = pngPass(seg, pngFiles, overlayPngs);
                } else {
                    p = pngPass(seg, pngFiles, overlayPngs);
                    v = videoPass(seg, video, overlayVideo, Integer.MAX_VALUE, o.fps);
                }
                if (v.frames != pngFiles.size()) {
                    throw new IllegalStateException("the video gave " + v.frames + " frames, there are " + pngFiles.size()
                            + " PNG files");
                }
                rounds.add(new Pass[] {v, p});
                out.printf(Locale.ROOT, "%5d  %-5s  %14.2f  %12.2f  %9.3f%n", r + 1, videoFirst ? "video" : "png",
                        v.framesPerSecond(), p.framesPerSecond(), v.framesPerSecond() / p.framesPerSecond());
            }
            double[] ratios = rounds.stream().mapToDouble(rp -> rp[0].framesPerSecond() / rp[1].framesPerSecond()).toArray();
            double[] vf = rounds.stream().mapToDouble(rp -> rp[0].framesPerSecond()).toArray();
            double[] pf = rounds.stream().mapToDouble(rp -> rp[1].framesPerSecond()).toArray();
            out.printf(Locale.ROOT, "median: video %.2f frames/s, png %.2f frames/s, video/png %.3f (min %.3f, max %.3f over %d "
                    + "rounds)%n", BenchModels.median(vf), BenchModels.median(pf), BenchModels.median(ratios), Arrays.stream(ratios).min().orElse(0),
                    Arrays.stream(ratios).max().orElse(0), ratios.length);
            out.println("ms per frame by stage (median over rounds):");
            stages(out, "video", VIDEO_STAGES, rounds, 0);
            stages(out, "png", PNG_STAGES, rounds, 1);
        }
    }

    private static void stages(PrintStream out, String name, String[] stageNames, List<Pass[]> rounds, int which) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-6s", name));
        double sum = 0;
        for (int s = 0; s < stageNames.length; s++) {
            int stage = s;
            double ms = BenchModels.median(rounds.stream().mapToDouble(rp -> rp[which].msPerFrame(stage)).toArray());
            sum += ms;
            sb.append(String.format(Locale.ROOT, "  %s %.2f", stageNames[s], ms));
        }
        double wall = BenchModels.median(rounds.stream().mapToDouble(rp -> 1000.0 / rp[which].framesPerSecond()).toArray());
        sb.append(String.format(Locale.ROOT, "  (sum %.2f, wall %.2f)", sum, wall));
        out.println(sb);
    }


    private static Path randomModel(Path dir) throws IOException {
        Path p = dir.resolve("random-scaleprotoseg.onnx");
        InferenceGraphWriter.write(RandomModels.build(BenchModels.spec(ModelKind.SCALEPROTOSEG)), p);
        return p;
    }

    /** The frames (a panorama panned left to right), as a video and as PNG files; kept when both exist with the right count. */
    private static void makeInputs(Options o, Path video, Path pngs) throws IOException {
        int n = o.frames();
        if (Files.isRegularFile(video) && listPngs(pngs).size() == n && frameCount(video) == n) {
            return;
        }
        for (Path old : listPngs(pngs)) {
            Files.delete(old);
        }
        int panoramaWidth = o.width + PAN_PIXELS_PER_FRAME * (n - 1);
        BufferedImage panorama = toBgr(GeneratedImages.image(panoramaWidth, o.height, 20240613L), panoramaWidth, o.height);
        try (FFmpegFrameRecorder r = recorder(video, o.width, o.height, o.fps);
                Java2DFrameConverter conv = new Java2DFrameConverter()) {
            r.start();
            BufferedImage frame = new BufferedImage(o.width, o.height, BufferedImage.TYPE_3BYTE_BGR);
            for (int i = 0; i < n; i++) {
                frame.getRaster().setRect(-PAN_PIXELS_PER_FRAME * i, 0, panorama.getRaster());
                r.record(conv.convert(frame), avutil.AV_PIX_FMT_BGR24);
                ImageIO.write(frame, "png", pngs.resolve(String.format(Locale.ROOT, "frame-%05d.png", i)).toFile());
            }
            r.stop();
        }
    }

    private static FFmpegFrameRecorder recorder(Path file, int width, int height, double fps) {
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toString(), width, height, 0);
        r.setFormat("mp4");
        r.setVideoCodecName(ENCODER);
        r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        r.setFrameRate(fps);
        // the command line's overlay bit rate: about 0.1 bit per pixel and frame
        r.setVideoBitrate((int) Math.max(500_000, Math.min(40_000_000, 0.1 * width * height * fps)));
        return r;
    }

    private static BufferedImage toBgr(float[] chw, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                bgr[3 * i + 2 - c] = (byte) Math.round(chw[c * plane + i] * 255);
            }
        }
        return img;
    }

    private static int frameCount(Path video) throws IOException {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toString())) {
            g.start();
            return g.getLengthInVideoFrames();
        }
    }

    private static List<Path> listPngs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().toList();
        }
    }

    private static long folderBytes(Path dir) throws IOException {
        long sum = 0;
        for (Path p : listPngs(dir)) {
            sum += Files.size(p);
        }
        return sum;
    }

    /** Decoded frames as images (one object, overwritten per frame), timing the decoding into the pass. */
    private static final class DecodedFrames implements Iterator<BufferedImage> {
        private final FFmpegFrameGrabber grabber;
        private final Java2DFrameConverter converter = new Java2DFrameConverter();
        private final Pass pass;
        private final int limit;
        private Frame pending;
        private int taken;

        DecodedFrames(FFmpegFrameGrabber grabber, Pass pass, int limit) {
            this.grabber = grabber;
            this.pass = pass;
            this.limit = limit;
        }

        @Override
        public boolean hasNext() {
            if (pending == null && taken < limit) {
                long t = System.nanoTime();
                try {
                    pending = grabber.grabImage();
                } catch (FFmpegFrameGrabber.Exception e) {
                    throw new IllegalStateException(e);
                }
                pass.stageNanos[0] += System.nanoTime() - t;
            }
            return pending != null;
        }

        @Override
        public BufferedImage next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            long t = System.nanoTime();
            BufferedImage img = converter.getBufferedImage(pending);
            pass.stageNanos[0] += System.nanoTime() - t;
            pending = null;
            taken++;
            return img;
        }
    }

    /** Decode, segment, overlay, encode and JSON over the first {@code limit} frames of the video. */
    static Pass videoPass(Segmenter seg, Path video, Path overlay, int limit, double fps) throws Exception {
        Pass pass = new Pass("video");
        long start = System.nanoTime();
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(video.toString());
                BufferedWriter json = Files.newBufferedWriter(video.resolveSibling("overlay.jsonl"), StandardCharsets.UTF_8)) {
            g.start();
            FFmpegFrameRecorder r = recorder(overlay, g.getImageWidth(), g.getImageHeight(), fps);
            r.start();
            try (Frame bgr = new Frame(g.getImageWidth(), g.getImageHeight(), Frame.DEPTH_UBYTE, 3)) {
                long[] last = {System.nanoTime()};
                pass.frames = seg.segmentFrames(new DecodedFrames(g, pass, limit), (i, frame, s) -> {
                    long t1 = System.nanoTime();
                    // everything since the consumer last returned, less the decoding, is segmentation
                    pass.stageNanos[1] += t1 - last[0];
                    BufferedImage o = s.colorOverlay(frame, 0.5);
                    long t2 = System.nanoTime();
                    toBgr(o, bgr);
                    r.record(bgr, avutil.AV_PIX_FMT_BGR24);
                    long t3 = System.nanoTime();
                    json.write(s.toJson(5).replace('\n', ' '));
                    json.newLine();
                    long t4 = System.nanoTime();
                    pass.stageNanos[2] += t2 - t1;
                    pass.stageNanos[3] += t3 - t2;
                    pass.stageNanos[4] += t4 - t3;
                    last[0] = t4;
                });
                pass.stageNanos[1] -= pass.stageNanos[0];
                long t = System.nanoTime();
                r.stop();
                pass.stageNanos[3] += System.nanoTime() - t;
            } finally {
                r.close();
            }
        }
        pass.wallNanos = System.nanoTime() - start;
        return pass;
    }

    /** The overlay's pixels (TYPE_INT_RGB) into a BGR frame, row by row at the frame's stride. */
    private static void toBgr(BufferedImage overlay, Frame frame) {
        int w = overlay.getWidth();
        int h = overlay.getHeight();
        int[] rgb = ((DataBufferInt) overlay.getRaster().getDataBuffer()).getData();
        ByteBuffer buf = (ByteBuffer) frame.image[0];
        for (int y = 0; y < h; y++) {
            int p = y * frame.imageStride;
            for (int x = 0; x < w; x++) {
                int v = rgb[y * w + x];
                buf.put(p++, (byte) v);
                buf.put(p++, (byte) (v >> 8));
                buf.put(p++, (byte) (v >> 16));
            }
        }
    }

    /** Read, segment, overlay, PNG write and JSON for each file. */
    static Pass pngPass(Segmenter seg, List<Path> files, Path outDir) throws Exception {
        Pass pass = new Pass("png");
        long start = System.nanoTime();
        for (Path f : files) {
            long t0 = System.nanoTime();
            BufferedImage img = Images.read(f, Long.MAX_VALUE);
            long t1 = System.nanoTime();
            Segmentation s = seg.segment(img);
            long t2 = System.nanoTime();
            BufferedImage o = s.colorOverlay(img, 0.5);
            long t3 = System.nanoTime();
            String name = f.getFileName().toString().replace(".png", "");
            ImageIO.write(o, "png", outDir.resolve(name + "_overlay.png").toFile());
            long t4 = System.nanoTime();
            Files.writeString(outDir.resolve(name + ".json"), s.toJson(5), StandardCharsets.UTF_8);
            long t5 = System.nanoTime();
            pass.stageNanos[0] += t1 - t0;
            pass.stageNanos[1] += t2 - t1;
            pass.stageNanos[2] += t3 - t2;
            pass.stageNanos[3] += t4 - t3;
            pass.stageNanos[4] += t5 - t4;
            pass.frames++;
        }
        pass.wallNanos = System.nanoTime() - start;
        return pass;
    }
}
