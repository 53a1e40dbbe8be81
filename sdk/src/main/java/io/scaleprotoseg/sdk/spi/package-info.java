/**
 * The backend service-provider interface: what a runtime module implements so that
 * {@link io.scaleprotoseg.sdk.Segmenter} can run models on it. Application code does not need
 * these types.
 */
package io.scaleprotoseg.sdk.spi;
