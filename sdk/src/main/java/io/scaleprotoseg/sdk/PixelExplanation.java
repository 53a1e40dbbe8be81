package io.scaleprotoseg.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.scaleprotoseg.sdk.internal.Json;
import java.util.List;

/**
 * Why a pixel got a class score: the decomposition of the score into group contributions
 * (ScaleProtoSeg) or prototype contributions (ProtoSeg).
 *
 * <p><b>Which cell.</b> The network decides on a grid of feature cells; the pixel scores are the
 * cell scores upsampled bilinearly. An explanation decomposes the score of the feature cell whose
 * centre is nearest to the pixel (the same rule that maps labels to cells in training, METHOD.md
 * 2), so the contributions add up exactly to {@link #logit()}: the sum of
 * {@link GroupEvidence#contribution()} over {@link #groups()} (or of
 * {@link PrototypeEvidence#contribution()} over {@link #prototypes()}) equals it up to float
 * rounding. {@link #pixelScore()} is the upsampled score the mask was decided on; near class
 * borders it differs from the cell's. In a tiled result ({@link InputSizing#tiled}) the cell's score
 * and evidence are its deciding tile's, and the pixel score is blended over the tiles.
 *
 * @param x pixel column in the original image
 * @param y pixel row in the original image
 * @param classId the explained class (by default the mask's class at the pixel)
 * @param className its name
 * @param cellRow the feature cell's row
 * @param cellCol the feature cell's column
 * @param logit the class score at the cell, which the contributions add up to
 * @param pixelScore the upsampled class score at the pixel
 * @param groups group evidence, largest |contribution| first (empty for ProtoSeg)
 * @param prototypes direct prototype evidence, largest |contribution| first (ProtoSeg only)
 */
public record PixelExplanation(int x, int y, int classId, String className, int cellRow, int cellCol, double logit,
        double pixelScore, List<GroupEvidence> groups, List<PrototypeEvidence> prototypes) {
    public PixelExplanation {
        groups = List.copyOf(groups);
        prototypes = List.copyOf(prototypes);
    }

    /** The sum of the top-level contributions (equal to {@link #logit()} up to rounding). */
    public double contributionSum() {
        double s = 0;
        for (GroupEvidence g : groups) {
            s += g.contribution();
        }
        for (PrototypeEvidence p : prototypes) {
            s += p.contribution();
        }
        return s;
    }

    /** The explanation as JSON (patch images left out; their sources are kept). */
    public String toJson() {
        try {
            return Json.PRETTY.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
