package io.scaleprotoseg.trainer.phase;

import java.util.List;

/**
 * Where each prototype came from after projection (METHOD.md 4).
 *
 * @param sources one per remaining prototype, in prototype-row order
 * @param removedDuplicates ids of prototypes removed as duplicates
 * @param unprojected ids of prototypes whose class has no labelled cell in the training split (left as they were)
 */
public record ProjectionResult(List<PrototypeSource> sources, List<Integer> removedDuplicates, List<Integer> unprojected) {
    public ProjectionResult {
        sources = List.copyOf(sources);
        removedDuplicates = List.copyOf(removedDuplicates);
        unprojected = List.copyOf(unprojected);
    }

    /**
     * The feature cell a prototype was projected onto.
     *
     * @param prototypeId the prototype's stable id
     * @param imageId the training image's id
     * @param imageIndex its index in the training split
     * @param row feature-cell row
     * @param col feature-cell column
     * @param box receptive-field box in image pixels: x0, y0, x1, y1 (exclusive), clipped to the image
     * @param distance the squared distance before replacement
     */
    public record PrototypeSource(int prototypeId, String imageId, int imageIndex, int row, int col, List<Integer> box,
            double distance) {
        public PrototypeSource {
            box = List.copyOf(box);
        }
    }
}
