/** Segmentation metrics (METHOD.md 5): confusion matrix, per-class IoU, mIoU and pixel accuracy. */
package io.scaleprotoseg.trainer.metrics;
