package io.interflux;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("IpcException")
class IpcExceptionTest {

    @Test
    @DisplayName("names the operation, the object and the errno with its description")
    void message() {
        IpcException e = IpcException.fromErrno("mq_open", "\"/orders\", O_CREAT|O_EXCL", 17);
        assertThat(e).hasMessage("mq_open(\"/orders\", O_CREAT|O_EXCL) failed: EEXIST (File exists): it exists already");
        assertThat(e.errnoName()).isEqualTo("EEXIST");
        assertThat(e.operation()).isEqualTo("mq_open");
        assertThat(e.errno()).isEqualTo(17);
    }
}
