/**
 * Spring Boot auto-configuration of Interflux: {@link io.interflux.spring.autoconfigure.InterfluxAutoConfiguration}
 * and its properties, {@link io.interflux.spring.autoconfigure.InterfluxProperties}.
 */
package io.interflux.spring.autoconfigure;
