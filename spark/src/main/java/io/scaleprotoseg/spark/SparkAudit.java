package io.scaleprotoseg.spark;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.PartAudit;
import java.util.List;

/**
 * The result of {@link SparkSegmentation#audit}: the partitions' {@link PartAudit}s merged in
 * partition order, and the images in the order they were added (so that {@link
 * PartAudit.Activation#image()} indexes {@code paths}).
 *
 * @param audit the merged audit (not thread-safe; the caller owns it)
 * @param card the audited model's card
 * @param paths the audited images, in {@code add} order
 * @param modelSha256 the SHA-256 of the model file
 */
public record SparkAudit(PartAudit audit, ModelCard card, List<String> paths, String modelSha256) {
    public SparkAudit {
        paths = List.copyOf(paths);
    }
}
