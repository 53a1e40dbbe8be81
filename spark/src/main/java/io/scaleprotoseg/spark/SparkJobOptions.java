package io.scaleprotoseg.spark;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InputSizing;
import java.io.Serializable;
import java.util.Objects;

/**
 * What a Spark job runs and how: the model file (a path the driver reads; executors receive a copy
 * through {@code SparkContext.addFile}) and the settings of the {@code Segmenter} each executor
 * opens. Immutable, thread-safe and serializable (it travels to the executors with the tasks).
 *
 * @param model the model file on the driver's file system
 * @param evidence the evidence each result keeps (segmentation; the audit always uses FULL and
 *     evaluation NONE)
 * @param topK groups and prototypes kept per present class in the {@code classes} column
 * @param includeMask whether the {@code mask} column holds the mask as a PNG (else null)
 * @param sizing the input sizing, as {@link InputSizing#parse} reads it ({@code keep}, {@code WxH},
 *     or a shorter side)
 * @param maxPixels the largest image in pixels; larger ones become error rows
 * @param intraOpThreads threads for one inference; 1 by default because Spark gives each task a
 *     core and runs as many tasks as cores at once (0 = all cores, for one task per executor)
 * @param backend the backend of the executors' segmenters
 * @param ignoreLabel the void label of label masks in evaluation and audit; -1 takes the model
 *     card's, or 255 when the card has none
 */
public record SparkJobOptions(String model, Evidence evidence, int topK, boolean includeMask, String sizing, long maxPixels,
        int intraOpThreads, Backend backend, int ignoreLabel) implements Serializable {
    /** The defaults the command line uses. */
    public static final int DEFAULT_TOP_K = 5;

    public SparkJobOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(backend, "backend");
        InputSizing.parse(sizing); // an invalid spec fails here, on the driver, not in every task
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0 (0 = all cores), got " + intraOpThreads);
        }
    }

    /**
     * Options for {@code model} with the defaults: GROUPS evidence, top 5, masks included, images
     * at their own size, at most 4096 x 4096 pixels, one thread per inference, ONNX Runtime on the
     * CPU, the card's void label.
     */
    public static SparkJobOptions of(String model) {
        return new SparkJobOptions(model, Evidence.GROUPS, DEFAULT_TOP_K, true, "keep", 4096L * 4096L, 1, Backend.ORT_CPU, -1);
    }

    /** These options with another evidence level. */
    public SparkJobOptions withEvidence(Evidence e) {
        return new SparkJobOptions(model, e, topK, includeMask, sizing, maxPixels, intraOpThreads, backend, ignoreLabel);
    }

    /** These options with or without masks in the output. */
    public SparkJobOptions withMask(boolean mask) {
        return new SparkJobOptions(model, evidence, topK, mask, sizing, maxPixels, intraOpThreads, backend, ignoreLabel);
    }

    /** These options with another number of groups and prototypes per class. */
    public SparkJobOptions withTopK(int k) {
        return new SparkJobOptions(model, evidence, k, includeMask, sizing, maxPixels, intraOpThreads, backend, ignoreLabel);
    }

    /** These options with another input sizing ({@code keep}, {@code WxH} or a shorter side). */
    public SparkJobOptions withSizing(String spec) {
        return new SparkJobOptions(model, evidence, topK, includeMask, spec, maxPixels, intraOpThreads, backend, ignoreLabel);
    }

    /** These options with another pixel limit. */
    public SparkJobOptions withMaxPixels(long max) {
        return new SparkJobOptions(model, evidence, topK, includeMask, sizing, max, intraOpThreads, backend, ignoreLabel);
    }

    /** These options with another thread count per inference. */
    public SparkJobOptions withIntraOpThreads(int threads) {
        return new SparkJobOptions(model, evidence, topK, includeMask, sizing, maxPixels, threads, backend, ignoreLabel);
    }

    /** These options with another backend. */
    public SparkJobOptions withBackend(Backend b) {
        return new SparkJobOptions(model, evidence, topK, includeMask, sizing, maxPixels, intraOpThreads, b, ignoreLabel);
    }

    /** These options with another void label for label masks. */
    public SparkJobOptions withIgnoreLabel(int label) {
        return new SparkJobOptions(model, evidence, topK, includeMask, sizing, maxPixels, intraOpThreads, backend, label);
    }
}
