package io.scaleprotoseg.samples;

import io.scaleprotoseg.samples.quickstart.StreetScenes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

/** Short videos of generated street scenes written with JavaCV, and their frames decoded back. */
final class TestVideos {
    private TestVideos() {
    }

    /**
     * Writes {@code frames} frames of {@code width x height} at {@code fps}: generated street
     * scenes, a new one every 4 frames, panning in between. {@code format} is FFmpeg's muxer name
     * (mp4, matroska, ...), {@code codec} its encoder's (libopenh264, mpeg4, ...).
     */
    static Path write(Path file, String format, String codec, int width, int height, int frames, double fps)
            throws IOException {
        FfmpegLog.install();
        List<StreetScenes.Scene> scenes = StreetScenes.generate(5, (frames + 3) / 4, width + 16, height);
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toString(), width, height, 0);
                Java2DFrameConverter conv = new Java2DFrameConverter()) {
            r.setFormat(format);
            r.setVideoCodecName(codec);
            r.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            r.setFrameRate(fps);
            r.setVideoBitrate(1_000_000);
            r.start();
            for (int i = 0; i < frames; i++) {
                BufferedImage scene = scenes.get(i / 4).image();
                BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
                frame.createGraphics().drawImage(scene.getSubimage(4 * (i % 4), 0, width, height), 0, 0, null);
                r.record(conv.convert(frame), avutil.AV_PIX_FMT_BGR24);
            }
            r.stop();
        }
        return file;
    }

    /** Every frame of a video, decoded as {@code segment} decodes it, with the frame rate. */
    record Decoded(List<BufferedImage> frames, double frameRate, int width, int height) {
    }

    static Decoded decode(Path file) throws IOException {
        FfmpegLog.install();
        List<BufferedImage> out = new ArrayList<>();
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toString());
                Java2DFrameConverter conv = new Java2DFrameConverter()) {
            g.start();
            Frame f;
            while ((f = g.grabImage()) != null) {
                BufferedImage shared = conv.getBufferedImage(f);
                BufferedImage copy = new BufferedImage(shared.getWidth(), shared.getHeight(), shared.getType());
                copy.setData(shared.getData());
                out.add(copy);
            }
            return new Decoded(out, g.getVideoFrameRate(), g.getImageWidth(), g.getImageHeight());
        }
    }
}
