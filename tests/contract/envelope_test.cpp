// The envelope parser and the generated decoders against hostile and unusual frames: nothing
// may throw, allocate without bound, or be accepted silently.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <msgpack.hpp>
#include <random>
#include <string>
#include <utility>

#include "proto/admin_codec.h"
#include "proto/common_codec.h"
#include "proto/contract_examples.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/stream_codec.h"

namespace ducha {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

void PackStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

// A frame with a hand-written body: `body` writes `fields` key/value pairs.
std::string MakeFrame(std::string_view type, std::uint32_t major, std::uint32_t minor,
                      std::uint32_t fields, const std::function<void(Packer&)>& body) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3);
  PackStr(pk, "type");
  PackStr(pk, type);
  PackStr(pk, "v");
  pk.pack_array(2);
  pk.pack_uint32(major);
  pk.pack_uint32(minor);
  PackStr(pk, "body");
  pk.pack_map(fields);
  body(pk);
  return {buf.data(), buf.size()};
}

// The required fields of intake.submit_report, with `extra` more pairs written by `more`.
std::string SubmitReport(std::uint32_t minor, std::uint32_t extra,
                         const std::function<void(Packer&)>& more) {
  return MakeFrame("intake.submit_report", 1, minor, 8 + extra, [&](Packer& pk) {
    for (auto [k, v] : {std::pair{"submission_id", "s1"},
                        {"channel", "citizen_hotline"},
                        {"jurisdiction", "130104"},
                        {"category", "dust"},
                        {"title", "t"},
                        {"description", "d"},
                        {"observed_at", "2017-11-21T09:30:00+08:00"},
                        {"reported_at", "2017-11-21T01:40:00Z"}}) {
      PackStr(pk, k);
      PackStr(pk, v);
    }
    more(pk);
  });
}

void NoMore(Packer&) {}

Error ParseError(std::string_view bytes) {
  Result<codec::Frame> f = proto::ParseMessage(bytes);
  EXPECT_FALSE(f.ok());
  return f.ok() ? Error{} : f.error();
}

template <typename M>
Error DecodeError(std::string_view bytes) {
  Result<codec::Frame> f = proto::ParseMessage(bytes);
  if (!f.ok()) return f.error();
  Result<M> m = codec::DecodeAs<M>(*f);
  EXPECT_FALSE(m.ok());
  return m.ok() ? Error{} : m.error();
}

TEST(Envelope, RejectsBytesThatAreNotMsgpack) {
  EXPECT_EQ(ParseError("\xc1").code, "malformed");
  EXPECT_EQ(ParseError("").code, "malformed");
}

TEST(Envelope, RejectsTruncatedFrame) {
  const std::string full = SubmitReport(0, 0, NoMore);
  EXPECT_EQ(ParseError(std::string_view(full).substr(0, full.size() - 1)).code, "malformed");
}

TEST(Envelope, RejectsTrailingBytes) {
  const std::string frame = SubmitReport(0, 0, NoMore) + '\0';
  const Error e = ParseError(frame);
  EXPECT_EQ(e.code, "malformed");
  EXPECT_EQ(e.message, "1 trailing bytes after the msgpack object");
}

TEST(Envelope, Array32BombFailsFastWithoutAllocating) {
  const auto start = std::chrono::steady_clock::now();
  const Error e = ParseError(std::string_view("\xdd\xff\xff\xff\xff", 5));
  EXPECT_EQ(e.code, "limit_exceeded");
  EXPECT_EQ(e.message, "an array exceeds the limit of 10000 elements");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(Envelope, Map32BombFailsWithLimitExceeded) {
  EXPECT_EQ(ParseError(std::string_view("\xdf\xff\xff\xff\xff", 5)).code, "limit_exceeded");
}

// msgpack-c compares a str/bin length with its limit only once the bytes are there, so a bare
// 4 GiB header is a truncated frame; either way nothing is allocated for it.
TEST(Envelope, Str32AndBin32HeadersWithoutBytesAreTruncated) {
  EXPECT_EQ(ParseError(std::string_view("\xdb\xff\xff\xff\xff", 5)).code, "malformed");
  EXPECT_EQ(ParseError(std::string_view("\xc6\xff\xff\xff\xff", 5)).code, "malformed");
}

TEST(Envelope, StringOverTheUnpackLimitFailsWithLimitExceeded) {
  codec::Limits limits;
  limits.str = 16;
  const std::string frame = SubmitReport(0, 1, [](Packer& pk) {
    PackStr(pk, "address");
    PackStr(pk, std::string(17, 'x'));
  });
  Result<codec::Frame> f = codec::ParseFrame(frame, limits);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "limit_exceeded");
  EXPECT_EQ(f.error().message, "a string exceeds the limit of 16 bytes");
}

TEST(Envelope, RejectsExtensionTypes) {
  EXPECT_EQ(ParseError(std::string_view("\xd4\x01\x00", 3)).code, "limit_exceeded");
}

TEST(Envelope, RejectsFrameOverTheSizeLimitBeforeParsing) {
  const std::string big(codec::Limits{}.max_frame_bytes + 1, '\xc0');
  const Error e = ParseError(big);
  EXPECT_EQ(e.code, "too_large");
  EXPECT_EQ(e.message, "frame of 1114113 bytes exceeds the limit of 1114112 bytes");
}

TEST(Envelope, RejectsDeepNesting) {
  const std::string frame = SubmitReport(0, 1, [](Packer& pk) {
    PackStr(pk, "evidence");
    for (int i = 0; i < 20; ++i) pk.pack_array(1);
    pk.pack_nil();
  });
  EXPECT_EQ(ParseError(frame).code, "limit_exceeded");
}

TEST(Envelope, RejectsTopLevelArray) {
  const Error e = ParseError(std::string_view("\x92\x01\x02", 3));
  EXPECT_EQ(e.code, "wrong_shape");
}

TEST(Envelope, RejectsMissingType) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(1);
  PackStr(pk, "body");
  pk.pack_map(0);
  const Error e = ParseError({buf.data(), buf.size()});
  EXPECT_EQ(e.code, "wrong_shape");
  EXPECT_EQ(e.field, "type");
}

TEST(Envelope, RejectsVersionThatIsNotTwoUnsignedIntegers) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3);
  PackStr(pk, "type");
  PackStr(pk, "admin.status_request");
  PackStr(pk, "v");
  pk.pack_array(1);
  pk.pack_uint32(1);
  PackStr(pk, "body");
  pk.pack_map(0);
  const Error e = ParseError({buf.data(), buf.size()});
  EXPECT_EQ(e.code, "wrong_shape");
  EXPECT_EQ(e.field, "v");
}

TEST(Envelope, RejectsDuplicateKeysInTheBody) {
  const std::string frame = SubmitReport(0, 1, [](Packer& pk) {
    PackStr(pk, "title");
    PackStr(pk, "second title");
  });
  const Error e = ParseError(frame);
  EXPECT_EQ(e.code, "wrong_shape");
  EXPECT_EQ(e.field, "title");
  EXPECT_EQ(e.message, "duplicate key 'title'");
}

TEST(Envelope, RejectsNonStringKeys) {
  const std::string frame = SubmitReport(0, 1, [](Packer& pk) {
    pk.pack_int(7);
    PackStr(pk, "x");
  });
  EXPECT_EQ(ParseError(frame).code, "wrong_shape");
}

TEST(Envelope, RejectsUnknownType) {
  const Error e = ParseError(MakeFrame("intake.submit", 1, 0, 0, NoMore));
  EXPECT_EQ(e.code, "unknown_type");
  EXPECT_EQ(e.message, "unknown message type 'intake.submit'");
}

TEST(Envelope, RejectsUnknownMajorVersion) {
  const Error e = ParseError(MakeFrame("intake.submit_report", 2, 0, 0, NoMore));
  EXPECT_EQ(e.code, "unsupported_version");
  EXPECT_EQ(e.message,
            "message type intake.submit_report version 2 is not supported; this service reads "
            "version 1");
}

TEST(Envelope, ExposesTypeVersionAndId) {
  const std::string bytes = proto::admin::Encode(proto::admin::StatusRequest{}, "ctl:42");
  Result<codec::Frame> f = proto::ParseMessage(bytes);
  ASSERT_TRUE(f.ok());
  codec::Frame moved = std::move(*f);
  EXPECT_EQ(moved.type(), "admin.status_request");
  EXPECT_EQ(moved.major(), 1u);
  EXPECT_EQ(moved.minor(), 0u);
  EXPECT_EQ(moved.id(), "ctl:42");
}

TEST(Decode, AcceptsNewerMinorOfTheSameMajor) {
  Result<codec::Frame> f = proto::ParseMessage(SubmitReport(7, 0, NoMore));
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->minor(), 7u);
  EXPECT_TRUE(codec::DecodeAs<proto::intake::SubmitReport>(*f).ok());
}

TEST(Decode, ExtensibleEventIgnoresUnknownKey) {
  const std::string frame = MakeFrame("intake.report_accepted", 1, 3, 14, [](Packer& pk) {
    for (auto [k, v] : {std::pair{"integration", "hotline"},
                        {"submission_id", "s1"},
                        {"channel", "citizen_hotline"},
                        {"jurisdiction", "130104"},
                        {"category", "dust"},
                        {"severity", "general"},
                        {"title", "t"},
                        {"description", "d"},
                        {"observed_at", "2017-11-21T01:30:00Z"},
                        {"reported_at", "2017-11-21T01:30:00Z"},
                        {"received_at", "2017-11-21T01:30:00Z"}}) {
      PackStr(pk, k);
      PackStr(pk, v);
    }
    PackStr(pk, "report_id");
    pk.pack_int(5);
    PackStr(pk, "evidence");
    pk.pack_array(0);
    PackStr(pk, "added_in_1_3");
    PackStr(pk, "ignored");
  });
  Result<codec::Frame> f = proto::ParseMessage(frame);
  ASSERT_TRUE(f.ok()) << f.error().message;
  auto event = codec::DecodeAs<proto::intake::ReportAccepted>(*f);
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->report_id, 5);
}

TEST(Decode, NonExtensibleRequestRejectsUnknownKey) {
  const Error e = DecodeError<proto::intake::SubmitReport>(SubmitReport(0, 1, [](Packer& pk) {
    PackStr(pk, "added_in_1_3");
    PackStr(pk, "x");
  }));
  EXPECT_EQ(e.code, "unknown_field");
  EXPECT_EQ(e.field, "added_in_1_3");
}

TEST(Decode, RejectsFrameOfAnotherType) {
  const std::string bytes = proto::admin::Encode(proto::admin::StatusRequest{});
  const Error e = DecodeError<proto::intake::SubmitReport>(bytes);
  EXPECT_EQ(e.code, "unexpected_type");
}

TEST(Decode, NamesMissingRequiredField) {
  const std::string frame = MakeFrame("stream.fetch", 1, 0, 1, [](Packer& pk) {
    PackStr(pk, "stream");
    PackStr(pk, "intake");
  });
  const Error e = DecodeError<proto::stream::Fetch>(frame);
  EXPECT_EQ(e, (Error{"missing_field", "consumer", "field 'consumer' is required"}));
}

TEST(Decode, TreatsNilAsAbsent) {
  Result<codec::Frame> f = proto::ParseMessage(SubmitReport(0, 1, [](Packer& pk) {
    PackStr(pk, "severity");
    pk.pack_nil();
  }));
  ASSERT_TRUE(f.ok());
  auto m = codec::DecodeAs<proto::intake::SubmitReport>(*f);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(m->severity.has_value());
}

TEST(Decode, ReadsAnyOffsetAndWritesUtc) {
  Result<codec::Frame> f = proto::ParseMessage(SubmitReport(0, 0, NoMore));
  ASSERT_TRUE(f.ok());
  auto m = codec::DecodeAs<proto::intake::SubmitReport>(*f);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->observed_at, 1511227800000);  // 2017-11-21T01:30:00Z
  const std::string again = proto::intake::Encode(*m);
  EXPECT_NE(again.find("2017-11-21T01:30:00Z"), std::string::npos);
}

TEST(Decode, RejectsIntegerBeyondInt64) {
  const std::string frame = MakeFrame("stream.fetch", 1, 0, 5, [](Packer& pk) {
    PackStr(pk, "stream");
    PackStr(pk, "intake");
    PackStr(pk, "consumer");
    PackStr(pk, "dispatch");
    PackStr(pk, "after_seq");
    pk.pack_uint64(~std::uint64_t{0});
    PackStr(pk, "max_events");
    pk.pack_int(1);
    PackStr(pk, "wait_ms");
    pk.pack_int(0);
  });
  const Error e = DecodeError<proto::stream::Fetch>(frame);
  EXPECT_EQ(e.code, "out_of_range");
  EXPECT_EQ(e.field, "after_seq");
}

proto::intake::SubmitReport ValidReport() {
  proto::intake::SubmitReport m;
  m.submission_id = "s1";
  m.channel = proto::common::Channel::kSupervisionGroup;
  m.jurisdiction = "130104";
  m.category = proto::common::Category::kDust;
  m.title = "t";
  m.description = "d";
  m.observed_at = 1511227800000;
  m.reported_at = 1511227800000;
  return m;
}

TEST(Validate, ExplainsOutOfRangeNestedField) {
  proto::intake::SubmitReport m = ValidReport();
  m.location = proto::common::GeoPoint{123.4, 114.5};
  const Status s = proto::intake::Validate(m);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), (Error{"out_of_range", "location.lat",
                              "field 'location.lat' must be between -90 and 90, got 123.4"}));
}

TEST(Validate, NamesListElementByIndex) {
  proto::intake::SubmitReport m = ValidReport();
  m.evidence = {"ok", "ok", "ok", std::string(513, 'x')};
  const Status s = proto::intake::Validate(m);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "evidence[3]");
  EXPECT_EQ(s.error().code, "too_long");
}

TEST(Validate, RejectsEnumValueOutsideItsDeclaration) {
  proto::intake::SubmitReport m = ValidReport();
  m.category = static_cast<proto::common::Category>(200);
  EXPECT_EQ(proto::intake::Validate(m).error().code, "invalid_enum");
}

TEST(Validate, RequiresPlatformForWebReports) {
  proto::intake::SubmitReport m = ValidReport();
  m.channel = proto::common::Channel::kCitizenWeb;
  const Status s = proto::intake::Validate(m);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "field 'platform' is required when channel is citizen_web");
  m.platform = "长城网";
  EXPECT_TRUE(proto::intake::Validate(m).ok());
}

TEST(Validate, ChecksCreditCodeOfStructDirectly) {
  EXPECT_TRUE(
      proto::common::Validate(proto::common::Enterprise{"某公司", "91130100MA07L5RK2P"}).ok());
  EXPECT_EQ(proto::common::Validate(proto::common::Enterprise{"某公司", "91130100MA07L5RK2X"})
                .error()
                .field,
            "credit_code");
}

TEST(Enums, ParseAndPrintEveryValue) {
  for (proto::common::Channel c : proto::common::kChannelValues) {
    EXPECT_EQ(proto::common::ParseChannel(proto::common::ToString(c)), c);
  }
  EXPECT_FALSE(proto::common::ParseChannel("fax").has_value());
}

TEST(StreamBatch, CarriesCompleteFramesAsPayload) {
  proto::stream::Batch batch;
  batch.stream = "intake";
  batch.head_seq = 1;
  batch.events.push_back(
      {1, "admin.status_request", proto::admin::Encode(proto::admin::StatusRequest{}, "e1")});
  ASSERT_TRUE(proto::stream::Validate(batch).ok());
  Result<codec::Frame> outer = proto::ParseMessage(proto::stream::Encode(batch));
  ASSERT_TRUE(outer.ok());
  auto decoded = codec::DecodeAs<proto::stream::Batch>(*outer);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->events.size(), 1u);
  Result<codec::Frame> inner = proto::ParseMessage(decoded->events[0].payload);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->id(), "e1");
}

// A cheap, seeded fuzz pass under the sanitizers: flip, drop and insert bytes of every example and
// require that parsing and decoding only ever answer with a value.
TEST(HostileInput, MutatedExamplesNeverThrowOrCrash) {
  std::mt19937 rng(20171121);
  int accepted = 0;
  for (const proto::contract::Example& e : proto::contract::Examples()) {
    for (int round = 0; round < 400; ++round) {
      std::string bytes(e.bytes);
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits && !bytes.empty(); ++k) {
        const std::size_t at = rng() % bytes.size();
        switch (rng() % 3) {
          case 0:
            bytes[at] = static_cast<char>(rng() & 0xff);
            break;
          case 1:
            bytes.erase(at, 1);
            break;
          default:
            bytes.insert(at, 1, static_cast<char>(rng() & 0xff));
            break;
        }
      }
      Result<codec::Frame> f = proto::ParseMessage(bytes);
      if (!f.ok()) {
        EXPECT_FALSE(f.error().code.empty());
        continue;
      }
      if (proto::contract::RoundTrip(*f).ok()) ++accepted;
    }
  }
  // Some mutations only touch string contents and stay valid; most must not.
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace ducha
