/**
 * The {@code quickstart} model: a hand-specified ScaleProtoSeg whose prototypes are class colours
 * seen at four context scales, and the street scenes it segments; it exercises the file format,
 * runtime and evidence without any training.
 */
package io.scaleprotoseg.samples.quickstart;
