/**
 * ScaleProtoSeg on Apache Spark: {@link io.scaleprotoseg.spark.SparkSegmentation} segments,
 * evaluates and audits image collections on a cluster, with one {@code Segmenter} per executor JVM.
 * Spark is a {@code provided} dependency: the cluster brings it.
 */
package io.scaleprotoseg.spark;
