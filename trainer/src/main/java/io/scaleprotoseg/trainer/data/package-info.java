/**
 * Labelled segmentation data: readers of the official layouts (Cityscapes, Pascal VOC, ADE20K,
 * COCO-Stuff, ISBI EM), a generic folder format, the built-in synthetic scenes, and the training
 * augmentation (METHOD.md 3). Open data sets through {@link io.scaleprotoseg.trainer.data.Datasets}.
 */
package io.scaleprotoseg.trainer.data;
