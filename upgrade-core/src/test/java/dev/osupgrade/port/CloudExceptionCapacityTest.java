package dev.osupgrade.port;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class CloudExceptionCapacityTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "409 | QuotaExceeded                         | Operation results in exceeding quota limits | true",
      "409 | OperationNotAllowed                   | Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota | true",
      "200 | AllocationFailed                      | Allocation failed.                          | true",
      "409 | zonalallocationfailed                 | Allocation failed in zone 2.                | true",
      "409 | OverconstrainedAllocationRequest      | Too many constraints.                       | true",
      "409 | OverconstrainedZonalAllocationRequest | Too many constraints in the zone.           | true",
      "409 | SkuNotAvailable                       | Standard_D2s_v3 is not available in zone 1. | true",
      "409 | OperationNotAllowed                   | Another operation is in progress.           | false",
      "403 | AuthorizationFailed                   | The client does not have authorization.     | false",
      "404 | ResourceNotFound                      | The scale set was not found.                | false",
      "400 | InvalidParameter                      | The capacity is not valid.                  | false",
  })
  void isCapacityRefusal_byCodeAndQuotaMessage(int status, String code, String message, boolean capacity) {
    assertThat(new CloudException(status, code, message, null).isCapacityRefusal()).isEqualTo(capacity);
  }
}
