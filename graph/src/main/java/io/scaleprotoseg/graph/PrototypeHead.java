package io.scaleprotoseg.graph;

/**
 * Everything after the sigmoid of a prototype model: the active prototypes, their scales, the
 * thresholded group weights (ScaleProtoSeg) and the last layer.
 *
 * @param prototypes [Pa, D], rows in channel order (ascending scale)
 * @param scales the ASPP scale of each prototype row
 * @param groupWeights [Ga, Pa] sparse simplex rows, or null for ProtoSeg
 * @param lastLayer [C, Ga] (grouped) or [C, Pa] (ProtoSeg)
 */
public record PrototypeHead(FloatTensor prototypes, int[] scales, FloatTensor groupWeights, FloatTensor lastLayer) {
    public PrototypeHead {
        if (prototypes.rank() != 2 || scales.length != prototypes.dim(0)) {
            throw new IllegalArgumentException("prototypes must be [Pa, D] with one scale per row; got " + prototypes
                    + " and " + scales.length + " scales");
        }
        for (int j = 1; j < scales.length; j++) {
            if (scales[j] < scales[j - 1]) {
                throw new IllegalArgumentException("prototype rows must be sorted by scale; row " + j + " has scale "
                        + scales[j] + " after " + scales[j - 1]);
            }
        }
        int cols = groupWeights == null ? prototypes.dim(0) : groupWeights.dim(0);
        if (groupWeights != null && (groupWeights.rank() != 2 || groupWeights.dim(1) != prototypes.dim(0))) {
            throw new IllegalArgumentException("group weights must be [Ga, " + prototypes.dim(0) + "], got " + groupWeights);
        }
        if (lastLayer.rank() != 2 || lastLayer.dim(1) != cols) {
            throw new IllegalArgumentException("last layer must be [C, " + cols + "], got " + lastLayer);
        }
        scales = scales.clone();
    }

    public int numPrototypes() {
        return prototypes.dim(0);
    }

    public int dimension() {
        return prototypes.dim(1);
    }

    public boolean grouped() {
        return groupWeights != null;
    }
}
