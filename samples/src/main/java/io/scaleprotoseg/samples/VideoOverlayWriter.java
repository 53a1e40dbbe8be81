package io.scaleprotoseg.samples;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

/**
 * Encodes overlay frames into an H.264 MP4 (OpenH264, the encoder of FFmpeg's LGPL build; 4:2:0
 * chroma, so JavaCV rounds an odd width up to even and scales the height with it). One frame buffer
 * is reused for every frame. Not thread-safe; close it.
 */
final class VideoOverlayWriter implements AutoCloseable {
    /** FFmpeg's encoder for the overlay video. */
    static final String ENCODER = "libopenh264";

    private final Path file;
    private final int width;
    private final int height;
    private final FFmpegFrameRecorder recorder;
    private final Frame frame;
    private final int[] row;
    private boolean finished;

    /**
     * Starts a video of {@code width x height} at {@code fps} frames per second in {@code file}
     * (written as MP4 whatever its name).
     */
    VideoOverlayWriter(Path file, int width, int height, double fps) throws IOException {
        this.file = file;
        this.width = width;
        this.height = height;
        recorder = new FFmpegFrameRecorder(VideoProbe.url(file), width, height, 0);
        recorder.setFormat("mp4");
        recorder.setVideoCodecName(ENCODER);
        recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
        recorder.setFrameRate(fps);
        // about 0.1 bit per pixel and frame: overlays are flat colour regions that compress well
        recorder.setVideoBitrate((int) Math.max(500_000, Math.min(40_000_000, 0.1 * width * height * fps)));
        FfmpegLog.install();
        try {
            recorder.start();
        } catch (FrameRecorder.Exception e) {
            release();
            throw new IOException(file + ": FFmpeg cannot start the " + ENCODER + " encoder for a " + width + "x" + height
                    + " video" + FfmpegLog.quoted() + ": " + e.getMessage(), e);
        }
        frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3);
        row = new int[width];
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /** Appends one frame (of the size given at the start). */
    void write(BufferedImage image) throws IOException {
        if (image.getWidth() != width || image.getHeight() != height) {
            throw new IllegalArgumentException("frame is " + image.getWidth() + "x" + image.getHeight() + ", the video "
                    + width + "x" + height);
        }
        ByteBuffer bgr = (ByteBuffer) frame.image[0];
        int stride = frame.imageStride;
        int[] ints = image.getType() == BufferedImage.TYPE_INT_RGB && image.getRaster().getDataBuffer() instanceof DataBufferInt d
                && image.getRaster().getParent() == null ? d.getData() : null;
        for (int y = 0; y < height; y++) {
            int[] src;
            int off;
            if (ints != null) {
                src = ints;
                off = y * width;
            } else {
                image.getRGB(0, y, width, 1, row, 0, width);
                src = row;
                off = 0;
            }
            int p = y * stride;
            for (int x = 0; x < width; x++) {
                int v = src[off + x];
                bgr.put(p++, (byte) v);
                bgr.put(p++, (byte) (v >> 8));
                bgr.put(p++, (byte) (v >> 16));
            }
        }
        try {
            recorder.record(frame, avutil.AV_PIX_FMT_BGR24);
        } catch (FrameRecorder.Exception e) {
            throw new IOException(file + ": encoding a frame failed" + FfmpegLog.quoted() + ": " + e.getMessage(), e);
        }
    }

    /** Flushes the encoder and writes the container's index; the file is complete after this. */
    void finish() throws IOException {
        try {
            recorder.stop();
            finished = true;
        } catch (FrameRecorder.Exception e) {
            throw new IOException(file + ": finishing the video failed" + FfmpegLog.quoted() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        release();
        frame.close();
    }

    private void release() {
        try {
            if (!finished) {
                recorder.release();
            }
            recorder.close();
        } catch (FrameRecorder.Exception e) {
            // the file is a temporary one, deleted by its owner
        }
    }
}
