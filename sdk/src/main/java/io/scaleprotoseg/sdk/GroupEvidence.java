package io.scaleprotoseg.sdk;

import java.util.List;

/**
 * One group's part in a class score at one feature cell (METHOD.md 1.5). The group activation is
 * {@code a = exp(sum_j w_j g_j)}; it enters the class logit through the last layer, so
 * {@code contribution = lastLayerWeight * activation}. Groups of other classes take part too,
 * through their (usually small, negative) off-class weights.
 *
 * @param classId the class the group belongs to
 * @param index the group's index within its class
 * @param channel its channel in {@code group_activations}
 * @param lastLayerWeight weight from this group to the explained class
 * @param activation the group activation a at the cell
 * @param contribution {@code lastLayerWeight * activation}
 * @param prototypes the group's prototypes with their share of {@code log a}, strongest first;
 *     empty when the segmenter was built with {@link Evidence#GROUPS}
 * @param margin how much the group adds to the explained class's lead at the pixel: the class's
 *     upsampled score minus the best other class's, minus the same without the group (negative
 *     when it favours another class)
 * @param decisive whether removing this group alone changes the pixel's class
 *     ({@link Segmentation#without} gives the whole image)
 */
public record GroupEvidence(int classId, int index, int channel, double lastLayerWeight, double activation,
        double contribution, List<PrototypeEvidence> prototypes, double margin, boolean decisive) {
    public GroupEvidence {
        prototypes = List.copyOf(prototypes);
    }
}
