package io.scaleprotoseg.sdk.internal;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import java.util.HashMap;
import java.util.Map;

/**
 * The weights after the prototype layer, in the form the evidence computation needs: the last
 * layer densely, the group weights as one sparse row per group (METHOD.md 1.5: the inference form
 * of the groups is a sparse C·G x P matrix). Immutable; shared by every {@code Segmentation} of a
 * model.
 */
public final class ModelHead {
    private final ModelCard card;
    private final int numClasses;
    private final int numGroups;
    private final int numPrototypes;
    private final float[] lastLayer;
    private final int[][] memberChannels;
    private final float[][] memberWeights;
    private final Map<Long, Integer> groupChannel = new HashMap<>();
    private final Map<Integer, Integer> prototypeChannel = new HashMap<>();

    private ModelHead(ModelCard card, float[] lastLayer, float[] groupWeights) {
        this.card = card;
        this.numClasses = card.numClasses();
        this.numGroups = card.method().hasGroups() ? card.groups().size() : 0;
        this.numPrototypes = card.prototypes().size();
        this.lastLayer = lastLayer;
        this.memberChannels = new int[numGroups][];
        this.memberWeights = new float[numGroups][];
        for (int k = 0; k < numGroups; k++) {
            int nnz = 0;
            for (int j = 0; j < numPrototypes; j++) {
                if (groupWeights[k * numPrototypes + j] != 0f) {
                    nnz++;
                }
            }
            memberChannels[k] = new int[nnz];
            memberWeights[k] = new float[nnz];
            int m = 0;
            for (int j = 0; j < numPrototypes; j++) {
                float w = groupWeights[k * numPrototypes + j];
                if (w != 0f) {
                    memberChannels[k][m] = j;
                    memberWeights[k][m++] = w;
                }
            }
            ModelCard.Group g = card.groups().get(k);
            groupChannel.put(key(g.classId(), g.index()), k);
        }
        for (int j = 0; j < numPrototypes; j++) {
            prototypeChannel.put(card.prototypes().get(j).id(), j);
        }
    }

    /** A head of a prototype model. {@code groupWeights} is null for ProtoSeg. */
    public static ModelHead of(ModelCard card, float[] lastLayer, float[] groupWeights) {
        return new ModelHead(card, lastLayer, groupWeights == null ? new float[0] : groupWeights);
    }

    /** The (empty) head of a black-box model. */
    public static ModelHead blackBox(ModelCard card) {
        return new ModelHead(card, new float[0], new float[0]);
    }

    private static long key(int cls, int index) {
        return ((long) cls << 32) | (index & 0xffffffffL);
    }

    public ModelCard card() {
        return card;
    }

    public ModelKind kind() {
        return card.method();
    }

    public int numClasses() {
        return numClasses;
    }

    /** Active groups Ga (0 without groups). */
    public int numGroups() {
        return numGroups;
    }

    /** Active prototypes Pa (0 for a black box). */
    public int numPrototypes() {
        return numPrototypes;
    }

    /** Columns of the last layer: Ga for a grouped model, Pa for ProtoSeg. */
    public int lastLayerColumns() {
        return numGroups > 0 ? numGroups : numPrototypes;
    }

    /** Last-layer weight from column {@code col} to class {@code cls}. */
    public float lastLayer(int cls, int col) {
        return lastLayer[cls * lastLayerColumns() + col];
    }

    /** Prototype channels with a non-zero weight in group {@code k} (ascending). */
    public int[] memberChannels(int k) {
        return memberChannels[k];
    }

    /** The weights matching {@link #memberChannels(int)}. */
    public float[] memberWeights(int k) {
        return memberWeights[k];
    }

    /** The channel of group {@code index} of class {@code cls}, or -1 when it is not active. */
    public int groupChannel(int cls, int index) {
        return groupChannel.getOrDefault(key(cls, index), -1);
    }

    /** The channel of prototype {@code id}, or -1 when it is not active. */
    public int prototypeChannel(int id) {
        return prototypeChannel.getOrDefault(id, -1);
    }
}
