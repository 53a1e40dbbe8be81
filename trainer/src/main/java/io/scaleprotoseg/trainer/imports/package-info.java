/**
 * Importing models written by the reference PyTorch implementation (whole-module checkpoints of
 * ScaleProtoSeg and ProtoSeg, DeepLabv2 state dicts) and PyTorch weight files, read by the
 * {@code torchfile} module without Python.
 */
package io.scaleprotoseg.trainer.imports;
