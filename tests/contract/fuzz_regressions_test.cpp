// Inputs the fuzz targets of tests/fuzz found, kept as plain tests so the normal build guards
// them too. Each test names the invariant the input broke.

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "proto/intake_codec.h"
#include "proto/registry.h"

namespace ducha {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// intake.receipt whose accepted_at is 2017-11-21T01:30:02.250Z (fuzz_messages: "decode(encode(m))
// differs from m"). Decoders keep milliseconds; the encoder wrote whole seconds and dropped them.
constexpr std::string_view kReceiptWithMilliseconds =
    "84a474797065ae696e74616b652e72656365697074a176920100a26964b063772d32303137313132312d30303031a4"
    "626f647984a97265706f72745f6964cd0412aa726563656970745f6e6fb1484232303137313132312d303031303432"
    "a76f7574636f6d65ab6e65775f70726f626c656dab61636365707465645f6174b8323031372d31312d32315430313a"
    "33303a30322e3235305a";

TEST(FuzzRegressions, TimestampWithMillisecondsSurvivesARoundTrip) {
  const std::string input = FromHex(kReceiptWithMilliseconds);
  Result<codec::Frame> frame = proto::ParseMessage(input);
  ASSERT_TRUE(frame.ok()) << frame.error().message;
  Result<proto::intake::Receipt> first = codec::DecodeAs<proto::intake::Receipt>(*frame);
  ASSERT_TRUE(first.ok()) << first.error().message;

  const std::string encoded = proto::intake::Encode(*first, frame->id());
  EXPECT_EQ(encoded, input) << "the input is canonical; encoding it again must give it back";
  Result<codec::Frame> again = proto::ParseMessage(encoded);
  ASSERT_TRUE(again.ok()) << again.error().message;
  Result<proto::intake::Receipt> second = codec::DecodeAs<proto::intake::Receipt>(*again);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, *first);
}

TEST(FuzzRegressions, MillisecondsBeforeTheEpochAreWrittenFromTheSecondBelow) {
  Result<codec::Frame> frame = proto::ParseMessage(FromHex(kReceiptWithMilliseconds));
  ASSERT_TRUE(frame.ok());
  Result<proto::intake::Receipt> receipt = codec::DecodeAs<proto::intake::Receipt>(*frame);
  ASSERT_TRUE(receipt.ok());
  receipt->accepted_at = -1;  // one millisecond before 1970

  const std::string encoded = proto::intake::Encode(*receipt);
  EXPECT_NE(encoded.find("1969-12-31T23:59:59.999Z"), std::string::npos);
  Result<codec::Frame> again = proto::ParseMessage(encoded);
  ASSERT_TRUE(again.ok());
  Result<proto::intake::Receipt> decoded = codec::DecodeAs<proto::intake::Receipt>(*again);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->accepted_at, -1);
}

}  // namespace
}  // namespace ducha
