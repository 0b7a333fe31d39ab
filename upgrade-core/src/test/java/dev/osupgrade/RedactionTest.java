package dev.osupgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osupgrade.ops.UpgradeError;
import dev.osupgrade.port.CloudException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

final class RedactionTest {
  // A syntactically valid JWT (header {"alg":"HS256","typ":"JWT"}); the signature is made up.
  static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
      + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  // The shape of a storage account key: 64 bytes, 88 base64 characters with padding (made up).
  static final String ACCOUNT_KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  static final String SAS = "https://acct.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&ss=b&srt=o&sp=r"
      + "&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=n4k%2Bq0xd9Zc7%2FdeadBEEF%3D";

  static Stream<Arguments> masked() {
    return Stream.of(
        Arguments.of("Authorization: Bearer " + JWT, "Authorization: Bearer ***"),
        Arguments.of("authorization:Bearer abc.def-ghi_jkl~mno+pqr/stu=", "authorization:Bearer ***"),
        Arguments.of("\"Authorization\": \"Bearer " + JWT + "\"", "\"Authorization\": \"Bearer ***\""),
        Arguments.of("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic ***"),
        Arguments.of("Authorization: SharedKey myaccount:ctzMq410TV3wS7upTBcunJTDLEJwMAZuFPfr0mrrA08=",
            "Authorization: SharedKey ***"),
        Arguments.of("Authorization: Custom-Scheme secret value\nnext line", "Authorization: ***\nnext line"),
        Arguments.of("Proxy-Authorization: Digest username=\"a\", response=\"6629fae4\"",
            "Proxy-Authorization: Digest ***"),
        Arguments.of("Authorization: s3cr3t-token", "Authorization: ***"),
        Arguments.of("sent bearer 2YotnFZFEjr1zCsicMWpAA2YotnFZ to ARM", "sent bearer *** to ARM"),
        Arguments.of("token " + JWT + " expired", "token eyJ*** expired"),
        Arguments.of(SAS, "https://acct.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&ss=b&srt=o&sp=r"
            + "&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=***"),
        Arguments.of("?sig=abc&se=2030-01-01", "?sig=***&se=2030-01-01"),
        Arguments.of("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + ACCOUNT_KEY
            + ";EndpointSuffix=core.windows.net",
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net"),
        Arguments.of("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=q9+Ab/c=",
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=***"),
        Arguments.of("grant_type=client_credentials&client_id=abc&client_secret=Xy8Q~abc.def_ghi&scope=x",
            "grant_type=client_credentials&client_id=abc&client_secret=***&scope=x"),
        Arguments.of("{\"password\": \"correct horse battery\", \"user\": \"admin\"}",
            "{\"password\": \"***\", \"user\": \"admin\"}"),
        Arguments.of("password=hunter2", "password=***"),
        Arguments.of("Server=db;User Id=sa;Pwd=P@ss;", "Server=db;User Id=sa;Pwd=***;"),
        Arguments.of("access_token=ya29.a0Af&refresh_token=1//0g", "access_token=***&refresh_token=***"),
        Arguments.of("https://deploy:Sup3rS3cret@repo.example.com/feed", "https://deploy:***@repo.example.com/feed"),
        Arguments.of("key " + ACCOUNT_KEY + " rejected", "key *** rejected"),
        // separators and cases the quick checks before each pattern must not miss
        Arguments.of("sig%3Dabc123 in an encoded query", "sig%3D*** in an encoded query"),
        Arguments.of("PASSWORD%3dhunter2", "PASSWORD%3d***"),
        Arguments.of("AUTHORIZATION: BEARER " + JWT, "AUTHORIZATION: BEARER ***"),
        Arguments.of("Client_Assertion: abc", "Client_Assertion: ***"),
        Arguments.of(ACCOUNT_KEY, "***"),
        Arguments.of("The request echoed Authorization: Bearer " + JWT + " and the SAS "
            + "https://a.blob.core.windows.net/c?sp=r&sig=QUJDREVGR0g%3D",
            "The request echoed Authorization: Bearer *** and the SAS https://a.blob.core.windows.net/c?sp=r&sig=***"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("masked")
  void redact_secret_isMaskedWithAHint(String input, String expected) {
    assertThat(Redaction.redact(input)).isEqualTo(expected);
    assertThat(Redaction.containsSecret(input)).isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("masked")
  void redact_maskedText_isUnchanged(String input, String ignored) {
    String once = Redaction.redact(input);
    assertThat(Redaction.redact(once)).isEqualTo(once);
  }

  static Stream<String> unmasked() {
    return Stream.of(
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroupWithAVeryLongName2024"
            + "/providers/Microsoft.Compute/virtualMachineScaleSets/myScaleSetName1234567890abcdef/virtualMachines/7",
        "/subscriptions/1a2b3c4d-1111-2222-3333-444455556666/resourceGroups/rg/providers/Microsoft.Compute/galleries"
            + "/gallery/images/ubuntu-22_04-lts-gen2/versions/1.2.3",
        "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:22.04.202407010",
        "W/\"datetime'2024-05-01T10%3A00%3A00.1234567Z'\"",
        "\"1\"",
        "AuthorizationFailed",
        "The client 'x' with object id 'y' does not have authorization to perform action "
            + "'Microsoft.Compute/virtualMachineScaleSets/write' over scope '/subscriptions/s/resourceGroups/rg'",
        "Authentication failed. The 'Authorization' header is missing.",
        "InvalidAuthenticationTokenTenant",
        "the bearer token has expired",
        "sv=2022-11-02&se=2030-01-01T00:00:00Z&sp=rl&spr=https",
        "config=production; design=blue",
        "SharedAccessKeyName=RootManageSharedAccessKey",
        "AccountName=acct;EndpointSuffix=core.windows.net",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "22.04.202407010",
        "MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade: 3 of 10 upgraded instances unhealthy (30%)",
        "https://management.azure.com:443/subscriptions/s/providers/Microsoft.Compute/locations/westeurope"
            + "/operations/6c0d5f3a-0000?api-version=2024-07-01",
        "Retry-After: 60",
        "");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("unmasked")
  void redact_textWithoutSecrets_isUnchanged(String input) {
    assertThat(Redaction.redact(input)).isEqualTo(input);
    assertThat(Redaction.containsSecret(input)).isFalse();
  }

  @Test
  void redact_null_isRejectedTyped() {
    assertThatThrownBy(() -> Redaction.redact(null)).isInstanceOf(InvalidValueException.class)
        .hasMessage("text must be non-null, but was null");
  }

  @Test
  void redact_longHostileText_isLinear() {
    String text = "a".repeat(200_000) + "=" + "Authorization: ".repeat(2_000) + "sig=".repeat(5_000);
    assertThat(Redaction.redact(text)).startsWith("a".repeat(1_000));
  }

  @Test
  void osUpgradeException_messageAndCause_areMasked() {
    RuntimeException sdk = new IllegalStateException("401 echoed Authorization: Bearer " + JWT);
    CloudException e = new CloudException(401, "InvalidAuthenticationToken", "the server said: sig=abcdef", sdk);

    assertThat(e.getMessage()).isEqualTo("the server said: sig=***");
    assertThat(e.getCause()).isNotSameAs(sdk);
    assertThat(e.getCause().toString())
        .isEqualTo("java.lang.IllegalStateException (redacted): 401 echoed Authorization: Bearer ***");
    assertThat(e.getCause().getStackTrace()).isEqualTo(sdk.getStackTrace());
    assertThat(e.toString()).doesNotContain(JWT).doesNotContain("abcdef");
  }

  @Test
  void osUpgradeException_causeWithoutSecrets_isKeptAsIs() {
    RuntimeException sdk = new IllegalStateException("connection reset");
    assertThat(new CloudException(0, "ConnectionFailed", "reset", sdk).getCause()).isSameAs(sdk);
  }

  @Test
  void upgradeError_codeAndMessage_areMasked() {
    UpgradeError e = new UpgradeError("OperationRejected", "PATCH failed: Authorization: Bearer " + JWT);
    assertThat(e.message()).isEqualTo("PATCH failed: Authorization: Bearer ***");
  }

  @Test
  void invalidValueException_value_isMaskedEscapedAndCut() {
    InvalidValueException e = new InvalidValueException("owner", "a name", "a\nb password=x " + "z".repeat(500));
    assertThat(e.getMessage()).startsWith("owner must be a name, but was 'a\\nb password=*** zzz")
        .endsWith("…(517 characters)'").doesNotContain("\n");
    assertThat(e.value()).contains("password=***");
  }
}
