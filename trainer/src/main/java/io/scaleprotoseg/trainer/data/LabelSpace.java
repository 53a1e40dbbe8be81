package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ModelCard;
import java.util.List;

/**
 * The classes a data set is labelled with, and its void label. Class ids are 0..C-1 in order
 * (the same records the model card carries); every label value that is not a class id must be
 * the ignore label once a reader has mapped it.
 *
 * @param classes class names and colours, ids 0..C-1
 * @param ignoreLabel the void label (255 by convention) excluded from losses and metrics
 */
public record LabelSpace(List<ModelCard.ClassInfo> classes, int ignoreLabel) {
    public LabelSpace {
        classes = List.copyOf(classes);
        for (int i = 0; i < classes.size(); i++) {
            if (classes.get(i).id() != i) {
                throw new IllegalArgumentException("class " + i + " has id " + classes.get(i).id() + "; ids must be 0..C-1");
            }
        }
        if (ignoreLabel >= 0 && ignoreLabel < classes.size()) {
            throw new IllegalArgumentException("ignore label " + ignoreLabel + " is a class id");
        }
    }

    public int numClasses() {
        return classes.size();
    }
}
