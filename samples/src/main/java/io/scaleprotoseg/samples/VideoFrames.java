package io.scaleprotoseg.samples;

import io.scaleprotoseg.samples.VideoInputException.Problem;
import java.awt.image.BufferedImage;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * The frames of a video, decoded one at a time (memory does not grow with the video), every
 * {@code every}-th of them as an image: an iterator for {@code Segmenter.segmentFrames}. The image
 * returned is one object, overwritten by the next call of {@link #next()}. Skipped frames are decoded
 * (later frames depend on them) but not converted to images.
 *
 * <p>At the end of the stream the count is checked against what the container declares: a file
 * that ends early is refused as truncated. Not thread-safe; close it.
 */
final class VideoFrames implements Iterator<BufferedImage>, AutoCloseable {
    private final VideoProbe probe;
    private final int every;
    private final FFmpegFrameGrabber grabber;
    private final Java2DFrameConverter converter = new Java2DFrameConverter();
    private Frame pending;
    private boolean ended;
    private long decoded;
    private long current = -1;
    private long currentMicros;

    /**
     * Opens the probed video for decoding.
     *
     * @param every take frames 0, every, 2*every, ...
     */
    VideoFrames(VideoProbe probe, int every) {
        this.probe = probe;
        this.every = every;
        FfmpegLog.install();
        FfmpegLog.reset();
        grabber = new FFmpegFrameGrabber(VideoProbe.url(probe.file()));
        try {
            grabber.start();
        } catch (FrameGrabber.Exception e) {
            close();
            throw new VideoInputException(probe.file(), Problem.TRUNCATED, probe.file() + ": FFmpeg cannot start decoding its "
                    + probe.codec() + " video: it is damaged" + FfmpegLog.quoted());
        }
    }

    /** The probe the video was opened with. */
    VideoProbe probe() {
        return probe;
    }

    /** The index in the video (from 0, counting every decoded frame) of the frame {@link #next()} returned last. */
    long currentIndex() {
        return current;
    }

    /** The presentation time of that frame, in seconds from the video's start. */
    double currentSeconds() {
        return currentMicros / 1e6;
    }

    /** Frames decoded so far, the skipped ones included. */
    long decoded() {
        return decoded;
    }

    @Override
    public boolean hasNext() {
        if (pending == null && !ended) {
            pending = grabTaken();
        }
        return pending != null;
    }

    @Override
    public BufferedImage next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Frame f = pending;
        pending = null;
        current = decoded - 1;
        currentMicros = f.timestamp;
        return converter.getBufferedImage(f);
    }

    /** Decodes up to the next frame to take; null at the end of the stream (after its checks). */
    private Frame grabTaken() {
        try {
            while (true) {
                Frame f = grabber.grabImage();
                if (f == null) {
                    ended = true;
                    checkComplete();
                    return null;
                }
                decoded++;
                if ((decoded - 1) % every == 0) {
                    return f;
                }
            }
        } catch (FrameGrabber.Exception e) {
            throw new UncheckedIOException(new IOException(probe.file() + ": decoding failed after " + decoded + " frames"
                    + FfmpegLog.quoted() + ": " + e.getMessage(), e));
        }
    }

    /** Refuses a stream with no frames, or fewer than the container declares. */
    private void checkComplete() {
        if (decoded == 0) {
            throw new VideoInputException(probe.file(), Problem.NO_FRAMES, probe.file() + " holds a " + probe.codec()
                    + " video stream with no frames" + FfmpegLog.quoted() + "; nothing to segment");
        }
        long declared = probe.declaredFrames();
        long estimated = probe.estimatedFrames();
        // a declared count is exact; a count from duration x frame rate is not (variable frame rates, rounding)
        boolean shortOfDeclared = declared > 0 && decoded < declared;
        boolean shortOfEstimate = declared < 0 && estimated > 0 && decoded < 0.95 * estimated - 2;
        if (shortOfDeclared || shortOfEstimate) {
            throw new VideoInputException(probe.file(), Problem.TRUNCATED, probe.file() + " ends after " + decoded
                    + " frames of the " + (shortOfDeclared ? declared + " its container declares" : "about " + estimated
                    + " its duration and frame rate promise") + ": it is truncated or damaged" + FfmpegLog.quoted());
        }
    }

    @Override
    public void close() {
        try {
            grabber.close();
        } catch (FrameGrabber.Exception e) {
            // nothing was written through the grabber: a failed release loses no data
        }
        converter.close();
    }
}
