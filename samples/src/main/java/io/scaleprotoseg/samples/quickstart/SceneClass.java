package io.scaleprotoseg.samples.quickstart;

import java.awt.Color;
import java.util.List;

/**
 * The classes of the quick-start's street scenes. Each has the colour it is painted with in the
 * generated images (its appearance, which its prototypes are made from) and the colour that marks
 * it in masks and overlays (the Cityscapes palette, so that overlays read as segmentations rather
 * than as copies of the image).
 */
public enum SceneClass {
    SKY("sky", new Color(135, 190, 235), new Color(70, 130, 180)),
    BUILDING("building", new Color(176, 128, 96), new Color(70, 70, 70)),
    GRASS("grass", new Color(60, 150, 50), new Color(107, 142, 35)),
    ROAD("road", new Color(80, 80, 88), new Color(128, 64, 128)),
    CAR("car", new Color(210, 30, 30), new Color(0, 0, 142));

    /** All classes in id order. */
    public static final List<SceneClass> ALL = List.of(values());

    private final String label;
    private final Color appearance;
    private final Color overlay;

    SceneClass(String label, Color appearance, Color overlay) {
        this.label = label;
        this.appearance = appearance;
        this.overlay = overlay;
    }

    /** The class id (its position in the model card). */
    public int id() {
        return ordinal();
    }

    /** The class name in the model card. */
    public String label() {
        return label;
    }

    /** The colour the class is painted with in the scenes. */
    public Color appearance() {
        return appearance;
    }

    /** The colour of the class in masks and overlays, as #rrggbb. */
    public String overlayHex() {
        return String.format("#%02x%02x%02x", overlay.getRed(), overlay.getGreen(), overlay.getBlue());
    }
}
