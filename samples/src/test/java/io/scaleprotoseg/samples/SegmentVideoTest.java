package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scaleprotoseg.samples.VideoInputException.Problem;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.io.IOException;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code segment --input VIDEO}: JSON lines equal to segmenting the decoded frames, the overlay video, every refusal. */
class SegmentVideoTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAMES = 24;

    @TempDir
    static Path shared;
    static Path colour;
    static Path video;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeModelAndVideo() throws IOException {
        colour = TestModels.colourModel(shared);
        video = TestVideos.write(shared.resolve("drive.mp4"), "mp4", "libopenh264", 160, 120, FRAMES, 12);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /** A JSON line without what differs between two runs of one frame (timings, backend description). */
    private static JsonNode withoutTimings(String line) throws IOException {
        ObjectNode n = (ObjectNode) JSON.readTree(line);
        n.remove(List.of("inferenceMs", "totalMs", "timeSeconds"));
        return n;
    }

    private static List<String> listing(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachJsonLineIsSegmentOfTheDecodedFrameAndTheOverlayVideoHasEveryFrame() throws IOException, Exception {
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("segment", "--model", colour, "--input", video, "--out", out, "--backend", "ort-cpu");

        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("drive.jsonl", "drive_overlay.mp4"), listing(out), "the two outputs and nothing else");
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out.resolve("drive_overlay.mp4")),
                "outputs get the permissions any new file gets");
        assertTrue(r.out().contains("24 frames decoded, 24 segmented (every 1)"), r::toString);
        assertTrue(r.out().matches("(?s).*throughput: [0-9.]+ segmented frames/s.*"), r::toString);
        assertTrue(r.err().contains("frames/s"), "the progress bar shows frames/s: " + r);

        TestVideos.Decoded input = TestVideos.decode(video);
        assertEquals(FRAMES, input.frames().size());
        List<String> lines = lines(out.resolve("drive.jsonl"));
        assertEquals(FRAMES, lines.size());
        try (Segmenter seg = Segmenter.builder().model(colour).backend(Backend.ORT_CPU).build()) {
            for (int i = 0; i < FRAMES; i++) {
                Segmentation s = seg.segment(input.frames().get(i));
                JsonNode got = JSON.readTree(lines.get(i));
                assertEquals(i, got.get("frame").asInt());
                assertEquals(i / 12.0, got.get("timeSeconds").asDouble(), 1e-3, "frame " + i + " at 12 frames/s");
                assertEquals(withoutTimings(SegmentVideo.jsonLine(i, 0, s, 5)), withoutTimings(lines.get(i)),
                        "frame " + i + ": areas and evidence as Segmenter.segment gives them on the decoded frame");
            }
        }
        TestVideos.Decoded overlay = TestVideos.decode(out.resolve("drive_overlay.mp4"));
        assertEquals(FRAMES, overlay.frames().size());
        assertEquals(160, overlay.width());
        assertEquals(120, overlay.height());
        assertEquals(12, overlay.frameRate(), 1e-6);
    }

    @Test
    void everyNthFrameIsSegmentedAndTheOverlayKeepsTheVideosDuration() throws IOException {
        Path out = dir.resolve("every");
        Cli.Result r = Cli.run("segment", "--model", colour, "--input", video, "--out", out, "--every", 5, "--backend",
                "ort-cpu");

        assertEquals(0, r.exit(), r::toString);
        List<String> lines = lines(out.resolve("drive.jsonl"));
        long[] frames = new long[lines.size()];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = JSON.readTree(lines.get(i)).get("frame").asLong();
        }
        assertEquals(Arrays.toString(new long[] {0, 5, 10, 15, 20}), Arrays.toString(frames));
        TestVideos.Decoded overlay = TestVideos.decode(out.resolve("drive_overlay.mp4"));
        assertEquals(5, overlay.frames().size());
        assertEquals(12 / 5.0, overlay.frameRate(), 1e-3);

        Cli.Result images = Cli.run("segment", "--model", colour, "--input", shared.resolve("colour.onnx"), "--out", out,
                "--every", 2);
        assertEquals(1, images.exit(), images::toString);
        assertTrue(images.err().contains("--every 2 applies to video input"), images::toString);
    }

    @Test
    void anExistingOutputIsKeptUnlessOverwrite() throws IOException {
        Path out = Files.createDirectories(dir.resolve("exists"));
        Files.writeString(out.resolve("drive.jsonl"), "mine", StandardCharsets.UTF_8);

        Cli.Result refused = Cli.run("segment", "--model", colour, "--input", video, "--out", out, "--backend", "ort-cpu");
        assertEquals(1, refused.exit(), refused::toString);
        assertTrue(refused.err().contains(out.resolve("drive.jsonl") + " exists; pass --overwrite"), refused::toString);
        assertEquals("mine", Files.readString(out.resolve("drive.jsonl"), StandardCharsets.UTF_8));
        assertEquals(List.of("drive.jsonl"), listing(out));

        Cli.Result replaced = Cli.run("segment", "--model", colour, "--input", video, "--out", out, "--overwrite",
                "--every", 6, "--backend", "ort-cpu");
        assertEquals(0, replaced.exit(), replaced::toString);
        assertEquals(4, lines(out.resolve("drive.jsonl")).size());
        assertEquals(List.of("drive.jsonl", "drive_overlay.mp4"), listing(out));
    }

    /** Runs segment on a bad video: exit 1, the file and the reason in the message, nothing written. */
    private String refused(Path bad, Problem problem, String reason) throws IOException {
        VideoInputException e = assertThrows(VideoInputException.class, () -> {
            try (VideoFrames frames = new VideoFrames(VideoProbe.of(bad), 1)) {
                frames.forEachRemaining(f -> { });
            }
        });
        assertEquals(problem, e.problem(), e.getMessage());
        assertEquals(bad, e.file());
        Path out = dir.resolve("out-" + bad.getFileName());
        Cli.Result r = Cli.run("segment", "--model", colour, "--input", bad, "--out", out, "--backend", "ort-cpu");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains(bad.toString()), "names the file: " + r);
        assertTrue(r.err().contains(reason), "says why (" + reason + "): " + r);
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertEquals(List.of(), listing(out), "nothing written, no partial file left");
        return r.err();
    }

    @Test
    void aVideoCutShortIsRefusedAsTruncated() throws IOException {
        byte[] whole = Files.readAllBytes(video);
        Path cut = Files.write(dir.resolve("cut.mp4"), Arrays.copyOf(whole, whole.length / 2));
        String err = refused(cut, Problem.TRUNCATED, "is truncated or damaged");
        assertTrue(err.contains("moov atom not found"), "quotes FFmpeg's reason: " + err);

        // Matroska keeps its index at the start: the cut file opens, and ends early
        Path mkv = TestVideos.write(dir.resolve("whole.mkv"), "matroska", "libopenh264", 160, 120, FRAMES, 12);
        byte[] mkvBytes = Files.readAllBytes(mkv);
        Path cutMkv = Files.write(dir.resolve("cut.mkv"), Arrays.copyOf(mkvBytes, mkvBytes.length / 2));
        String mkvErr = refused(cutMkv, Problem.TRUNCATED, "frames of the about 24 its duration and frame rate promise");
        assertTrue(mkvErr.contains("it is truncated or damaged"), mkvErr);
    }

    /**
     * Damage inside the video: frames the decoder loses make it short of its declared count (refused as
     * damaged, quoting the decoder); errors it conceals leave every frame, and the run warns with them.
     */
    @Test
    void damagedFramesAreRefusedWhenLostAndReportedWhenConcealed() throws IOException {
        byte[] whole = Files.readAllBytes(video);
        byte[] zeroed = whole.clone();
        Arrays.fill(zeroed, whole.length / 3, 2 * whole.length / 3, (byte) 0);
        String err = refused(Files.write(dir.resolve("zeroed.mp4"), zeroed), Problem.TRUNCATED,
                " frames of the 24 its container declares: it is truncated or damaged");
        assertTrue(err.contains("(FFmpeg: [h264] "), "quotes the decoder: " + err);

        int warned = 0;
        for (int percent : new int[] {20, 25, 40, 60}) {
            byte[] b = whole.clone();
            Arrays.fill(b, whole.length * percent / 100, whole.length * percent / 100 + 40, (byte) 0x5a);
            Path damaged = Files.write(dir.resolve("damaged-" + percent + ".mp4"), b);
            Path out = dir.resolve("damaged-out-" + percent);
            Cli.Result r = Cli.run("segment", "--model", colour, "--input", damaged, "--out", out, "--backend", "ort-cpu");
            if (r.exit() == 0 && r.err().contains("warning: FFmpeg reported ")) {
                assertTrue(r.err().contains("the frames it concealed were segmented as decoded"), r::toString);
                assertEquals(FRAMES, lines(out.resolve("damaged-" + percent + ".jsonl")).size(), r::toString);
                warned++;
            }
        }
        assertTrue(warned > 0, "a concealed decoding error is reported");
    }

    @Test
    void playlistsAndListsThatNameOtherFilesAreRefusedBeforeFfmpegOpensThem() throws IOException {
        // an HLS playlist and a concat list naming the test video: FFmpeg would read it (or any file) through them
        Path m3u8 = Files.writeString(dir.resolve("list.m3u8"), "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
                + "#EXTINF:2.0,\n" + video.toAbsolutePath() + "\n#EXT-X-ENDLIST\n", StandardCharsets.UTF_8);
        Path concat = Files.writeString(dir.resolve("list.ffconcat"), "ffconcat version 1.0\nfile '" + video.toAbsolutePath()
                + "'\n", StandardCharsets.UTF_8);
        for (Path list : List.of(m3u8, concat)) {
            VideoInputException e = assertThrows(VideoInputException.class, () -> VideoProbe.of(list));
            assertEquals(Problem.NOT_A_VIDEO, e.problem());
            assertTrue(e.getMessage().contains("which lists other files or addresses for FFmpeg to read"), e.getMessage());
            Path out = dir.resolve("out-" + list.getFileName());
            Cli.Result r = Cli.run("segment", "--model", colour, "--input", list, "--out", out, "--backend", "ort-cpu");
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.err().contains(list.toString()), "names the file: " + r);
            assertEquals(List.of(), listing(out), "the listed video is not segmented: " + r);
        }
    }

    @Test
    void aFileThatIsNoVideoIsRefused() throws IOException {
        refused(Files.writeString(dir.resolve("notes.mp4"), "these are notes, not a video\n", StandardCharsets.UTF_8),
                Problem.NOT_A_VIDEO, "is not a video: its content matches no container format FFmpeg reads");
        refused(Files.write(dir.resolve("empty.mkv"), new byte[0]), Problem.NOT_A_VIDEO, "is empty (0 bytes)");
    }

    @Test
    void aVideoWithNoFramesIsRefused() throws IOException {
        Path empty = dir.resolve("no-frames.avi");
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(empty.toString(), 160, 120, 0)) {
            r.setFormat("avi");
            r.setVideoCodecName("mpeg4");
            r.setFrameRate(12);
            r.start();
            r.stop();
        }
        refused(empty, Problem.NO_FRAMES, "video stream with no frames");
    }

    /** An audio file is recognised by its content (a name that says neither image nor video) and refused for having no video. */
    @Test
    void aFileWithoutAVideoStreamIsRefused() throws Exception {
        Path wav = dir.resolve("song.wav");
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(wav.toString(), 1)) {
            r.setFormat("wav");
            r.setSampleRate(8000);
            r.setAudioCodecName("pcm_s16le");
            r.start();
            r.recordSamples(8000, 1, ShortBuffer.allocate(8000));
            r.stop();
        }
        assertTrue(SegmentVideo.isVideo(wav), "FFmpeg recognises the container");
        String err = refused(wav, Problem.NO_VIDEO_STREAM, "holds no video stream (its streams: audio");
        assertTrue(err.contains("pcm_s16le"), err);
    }

    @Test
    void aCodecFfmpegCannotDecodeIsRefusedByName() throws IOException {
        Path mkv = TestVideos.write(dir.resolve("h264.mkv"), "matroska", "libopenh264", 160, 120, 4, 12);
        byte[] b = Files.readAllBytes(mkv);
        String id = "V_MPEG4/ISO/AVC";
        String unknown = "V_NOTACODEC/XYZ";
        int at = indexOf(b, id.getBytes(StandardCharsets.US_ASCII));
        assertTrue(at > 0, "the Matroska codec id is in the file");
        System.arraycopy(unknown.getBytes(StandardCharsets.US_ASCII), 0, b, at, unknown.length());
        Path patched = Files.write(dir.resolve("unknown-codec.mkv"), b);
        refused(patched, Problem.UNSUPPORTED_CODEC, "which this FFmpeg build cannot decode");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A run stopped by SIGTERM (as Ctrl-C stops it) leaves neither a final-named output nor a partial file. */
    @Test
    void anInterruptedRunLeavesNoOutput() throws Exception {
        Path longVideo = TestVideos.write(dir.resolve("long.mp4"), "mp4", "libopenh264", 160, 120, 600, 30);
        Path out = Files.createDirectories(dir.resolve("interrupted"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ScaleProtoSegCli.class.getName(), "segment", "--model", colour.toString(), "--input", longVideo.toString(),
                "--out", out.toString(), "--backend", "ort-cpu")
                .redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // wait until the run is writing: a partial JSON-lines file with data in it
            while (System.nanoTime() < deadline && p.isAlive() && !writing(out)) {
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "the run ended before it could be interrupted: "
                    + Files.readString(dir.resolve("run.log"), StandardCharsets.UTF_8));
            assertTrue(writing(out), "the run never started writing");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), listing(out), "no output under its final name and no partial file");
    }

    private static boolean writing(Path out) throws IOException {
        for (String name : listing(out)) {
            if (name.startsWith(".long.jsonl.") && name.endsWith(".partial") && Files.size(out.resolve(name)) > 0) {
                return true;
            }
        }
        return false;
    }
}
