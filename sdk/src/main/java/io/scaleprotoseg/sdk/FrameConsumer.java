package io.scaleprotoseg.sdk;

import java.awt.image.BufferedImage;

/**
 * Receives the results of {@link Segmenter#segmentFrames}, one frame at a time, in order, on the
 * thread that called it.
 *
 * @param <E> the checked exception the consumer may throw (writing a video, say);
 *     {@code segmentFrames} stops at it and throws it on unchanged
 */
@FunctionalInterface
public interface FrameConsumer<E extends Exception> {
    /**
     * Takes one frame's result.
     *
     * @param index the frame's position in the sequence, from 0
     * @param frame the frame as the source gave it; the next frame is not pulled from the source
     *     before this method returns, so a source that reuses one image for every frame (a video
     *     decoder's converter, say) has not overwritten it yet. Keep it beyond this call only as a copy.
     * @param result the segmentation, an independent object that may be kept
     */
    void accept(long index, BufferedImage frame, Segmentation result) throws E;
}
