import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STRFTIME,
  UnknownTimeZoneError,
  isValidTimeZone,
  strftime,
  timeHours,
  timeIso,
  timeMillis,
  timeSeconds,
  timeStruct,
} from '../../src/core/time.js';

// Instants as Unix seconds, computed outside this code base (GNU `date -u -d <iso> +%s`), with the
// calendar facts (weekday, day of year) taken from the same tool and from a printed calendar.
const S = 1000;
const NY_BEFORE_SPRING = 1710053999 * S; // 2024-03-10T06:59:59Z, Sunday, day 70 (leap year)
const NY_AFTER_SPRING = 1710054000 * S; //  2024-03-10T07:00:00Z
const NY_BEFORE_FALL = 1730613599 * S; //   2024-11-03T05:59:59Z, Sunday, day 308
const NY_AFTER_FALL = 1730613600 * S; //    2024-11-03T06:00:00Z
const BERLIN_BEFORE = 1729990799 * S; //    2024-10-27T00:59:59Z, Sunday, day 301
const BERLIN_AFTER = 1729990800 * S; //     2024-10-27T01:00:00Z
const JAN15_1845 = 1705344330 * S + 123; // 2024-01-15T18:45:30.123Z, Monday
const JAN15 = 1705276800 * S; //            2024-01-15T00:00:00Z, Monday, day 15
const JUL1 = 1719792000 * S; //             2024-07-01T00:00:00Z, Monday, day 183
const DEC31_LEAP = 1735646400 * S; //       2024-12-31T12:00:00Z, Tuesday, day 366
const DEC31_2023 = 1704024000 * S; //       2023-12-31T12:00:00Z, Sunday, day 365
const MAR5 = 1709644029 * S + 45; //        2024-03-05T13:07:09.045Z, Tuesday, day 65
const NEW_YEAR_2024 = 1704067200 * S; //    2024-01-01T00:00:00Z, Monday
const DEC30_2024 = 1735560000 * S; //       2024-12-30T12:00:00Z, Monday, ISO week 2025-W01
const JAN1_2021 = 1609502400 * S; //        2021-01-01T12:00:00Z, Friday, ISO week 2020-W53
const DOCS_ISO = 1562165236 * S + 38; //    2019-07-03T14:47:16.038Z (Adafruit docs example)

describe('isValidTimeZone', () => {
  it('accepts IANA zones and links, in any letter case', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Asia/Calcutta')).toBe(true);
    expect(isValidTimeZone('america/new_york')).toBe(true);
  });

  it('rejects unknown names, blanks and offset strings', () => {
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone(' UTC')).toBe(false);
    expect(isValidTimeZone('+05:30')).toBe(false);
    expect(isValidTimeZone('-0500')).toBe(false);
  });

  it('timeStruct and strftime throw UnknownTimeZoneError for an unknown zone', () => {
    expect(() => timeStruct(JAN15, 'Mars/Olympus')).toThrow(UnknownTimeZoneError);
    expect(() => strftime(JAN15, '%Y', 'Mars/Olympus')).toThrow(UnknownTimeZoneError);
    try {
      timeStruct(JAN15, 'Mars/Olympus');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      expect((err as UnknownTimeZoneError).name).toBe('UnknownTimeZoneError');
      expect((err as UnknownTimeZoneError).timeZone).toBe('Mars/Olympus');
      expect((err as Error).message).toBe('unknown time zone: Mars/Olympus');
    }
  });
});

describe('timeStruct (integrations/time/struct.json)', () => {
  it('defaults to UTC', () => {
    expect(timeStruct(JAN15_1845)).toEqual({
      year: 2024,
      mon: 1,
      mday: 15,
      hour: 18,
      min: 45,
      sec: 30,
      wday: 1,
      yday: 15,
      isdst: 0,
    });
  });

  it('1970-01-01 is a Thursday and day 1', () => {
    expect(timeStruct(0, 'UTC')).toEqual({
      year: 1970,
      mon: 1,
      mday: 1,
      hour: 0,
      min: 0,
      sec: 0,
      wday: 4,
      yday: 1,
      isdst: 0,
    });
  });

  it('America/New_York across the 2024 spring-forward', () => {
    expect(timeStruct(NY_BEFORE_SPRING, 'America/New_York')).toEqual({
      year: 2024,
      mon: 3,
      mday: 10,
      hour: 1,
      min: 59,
      sec: 59,
      wday: 0,
      yday: 70,
      isdst: 0,
    });
    expect(timeStruct(NY_AFTER_SPRING, 'America/New_York')).toEqual({
      year: 2024,
      mon: 3,
      mday: 10,
      hour: 3,
      min: 0,
      sec: 0,
      wday: 0,
      yday: 70,
      isdst: 1,
    });
  });

  it('America/New_York across the 2024 fall-back (01:00 happens twice)', () => {
    expect(timeStruct(NY_BEFORE_FALL, 'America/New_York')).toEqual({
      year: 2024,
      mon: 11,
      mday: 3,
      hour: 1,
      min: 59,
      sec: 59,
      wday: 0,
      yday: 308,
      isdst: 1,
    });
    expect(timeStruct(NY_AFTER_FALL, 'America/New_York')).toEqual({
      year: 2024,
      mon: 11,
      mday: 3,
      hour: 1,
      min: 0,
      sec: 0,
      wday: 0,
      yday: 308,
      isdst: 0,
    });
  });

  it('Europe/Berlin across the 2024-10-27 change', () => {
    expect(timeStruct(BERLIN_BEFORE, 'Europe/Berlin')).toEqual({
      year: 2024,
      mon: 10,
      mday: 27,
      hour: 2,
      min: 59,
      sec: 59,
      wday: 0,
      yday: 301,
      isdst: 1,
    });
    expect(timeStruct(BERLIN_AFTER, 'Europe/Berlin')).toEqual({
      year: 2024,
      mon: 10,
      mday: 27,
      hour: 2,
      min: 0,
      sec: 0,
      wday: 0,
      yday: 301,
      isdst: 0,
    });
  });

  it('Asia/Kolkata (+05:30) moves past midnight into the next day', () => {
    expect(timeStruct(JAN15_1845, 'Asia/Kolkata')).toEqual({
      year: 2024,
      mon: 1,
      mday: 16,
      hour: 0,
      min: 15,
      sec: 30,
      wday: 2,
      yday: 16,
      isdst: 0,
    });
  });

  it('Australia/Lord_Howe: +11:00 in summer (DST), +10:30 in winter', () => {
    expect(timeStruct(JAN15, 'Australia/Lord_Howe')).toEqual({
      year: 2024,
      mon: 1,
      mday: 15,
      hour: 11,
      min: 0,
      sec: 0,
      wday: 1,
      yday: 15,
      isdst: 1,
    });
    expect(timeStruct(JUL1, 'Australia/Lord_Howe')).toEqual({
      year: 2024,
      mon: 7,
      mday: 1,
      hour: 10,
      min: 30,
      sec: 0,
      wday: 1,
      yday: 183,
      isdst: 0,
    });
  });

  it('negative offsets go back into the previous day (America/St_Johns)', () => {
    expect(timeStruct(JAN15, 'America/St_Johns')).toEqual({
      year: 2024,
      mon: 1,
      mday: 14,
      hour: 20,
      min: 30,
      sec: 0,
      wday: 0,
      yday: 14,
      isdst: 0,
    });
    expect(timeStruct(JUL1, 'America/St_Johns')).toEqual({
      year: 2024,
      mon: 6,
      mday: 30,
      hour: 21,
      min: 30,
      sec: 0,
      wday: 0,
      yday: 182,
      isdst: 1,
    });
  });

  it('Europe/Dublin counts summer as DST (offset above the year minimum)', () => {
    expect(timeStruct(JAN15, 'Europe/Dublin').isdst).toBe(0);
    expect(timeStruct(JUL1, 'Europe/Dublin').isdst).toBe(1);
    expect(timeStruct(JUL1, 'Europe/Dublin').hour).toBe(1);
  });

  it('yday of Dec 31 is 366 in a leap year and 365 otherwise; 2023-12-31 is a Sunday', () => {
    expect(timeStruct(DEC31_LEAP, 'UTC')).toEqual({
      year: 2024,
      mon: 12,
      mday: 31,
      hour: 12,
      min: 0,
      sec: 0,
      wday: 2,
      yday: 366,
      isdst: 0,
    });
    expect(timeStruct(DEC31_2023, 'UTC')).toEqual({
      year: 2023,
      mon: 12,
      mday: 31,
      hour: 12,
      min: 0,
      sec: 0,
      wday: 0,
      yday: 365,
      isdst: 0,
    });
  });

  it('a zone ahead of UTC crosses into the new year (Pacific/Chatham +13:45 on Dec 31)', () => {
    expect(timeStruct(DEC31_LEAP, 'Pacific/Chatham')).toEqual({
      year: 2025,
      mon: 1,
      mday: 1,
      hour: 1,
      min: 45,
      sec: 0,
      wday: 3,
      yday: 1,
      isdst: 1,
    });
  });

  it('accepts zone names in any letter case and gives the same answer', () => {
    expect(timeStruct(NY_AFTER_SPRING, 'america/new_york')).toEqual(timeStruct(NY_AFTER_SPRING, 'America/New_York'));
  });
});

describe('strftime (integrations/time/strftime)', () => {
  it('exports the PortalBase default format', () => {
    expect(DEFAULT_STRFTIME).toBe('%Y-%m-%d %H:%M:%S.%L %j %u %z %Z');
  });

  it('uses the default format and UTC when only the instant is given', () => {
    expect(strftime(MAR5)).toBe('2024-03-05 13:07:09.045 065 2 +0000 UTC');
  });

  it('default format in America/New_York across spring-forward; Sunday is %u 7', () => {
    expect(strftime(NY_BEFORE_SPRING, DEFAULT_STRFTIME, 'America/New_York')).toBe('2024-03-10 01:59:59.000 070 7 -0500 EST');
    expect(strftime(NY_AFTER_SPRING, DEFAULT_STRFTIME, 'America/New_York')).toBe('2024-03-10 03:00:00.000 070 7 -0400 EDT');
  });

  it('default format in Europe/Berlin across the October change', () => {
    expect(strftime(BERLIN_BEFORE, DEFAULT_STRFTIME, 'Europe/Berlin')).toBe('2024-10-27 02:59:59.000 301 7 +0200 GMT+2');
    expect(strftime(BERLIN_AFTER, DEFAULT_STRFTIME, 'Europe/Berlin')).toBe('2024-10-27 02:00:00.000 301 7 +0100 GMT+1');
  });

  it('half-hour and 45-minute offsets', () => {
    expect(strftime(JAN15_1845, DEFAULT_STRFTIME, 'Asia/Kolkata')).toBe('2024-01-16 00:15:30.123 016 2 +0530 GMT+5:30');
    expect(strftime(JAN15, '%H:%M %z %:z %::z', 'Australia/Lord_Howe')).toBe('11:00 +1100 +11:00 +11:00:00');
    expect(strftime(JUL1, '%H:%M %z %:z', 'Australia/Lord_Howe')).toBe('10:30 +1030 +10:30');
    expect(strftime(JAN15, '%d %H:%M %z %:z', 'America/St_Johns')).toBe('14 20:30 -0330 -03:30');
    expect(strftime(JUL1, '%z', 'Pacific/Chatham')).toBe('+1245');
  });

  it('date and time directives', () => {
    expect(strftime(MAR5, '%Y|%C|%y|%m|%d|%e|%j|%H|%k|%I|%l|%M|%S|%L|%N|%p|%P', 'UTC')).toBe(
      '2024|20|24|03|05| 5|065|13|13|01| 1|07|09|045|045000000|PM|pm',
    );
    expect(strftime(MAR5, '%b %h %B %a %A %u %w', 'UTC')).toBe('Mar Mar March Tue Tuesday 2 2');
  });

  it('epoch seconds, also before 1970', () => {
    expect(strftime(MAR5, '%s', 'UTC')).toBe('1709644029');
    expect(strftime(MAR5, '%s %z', 'America/New_York')).toBe('1709644029 -0500');
    expect(strftime(-500, '%s %Y-%m-%d %H:%M:%S.%L', 'UTC')).toBe('-1 1969-12-31 23:59:59.500');
  });

  it('midnight and noon on the 12-hour clock', () => {
    expect(strftime(NEW_YEAR_2024, '%H %I %l %p', 'UTC')).toBe('00 12 12 AM');
    expect(strftime(DEC31_LEAP, '%H %I %l %p', 'UTC')).toBe('12 12 12 PM');
  });

  it('day of year and weekday edges', () => {
    expect(strftime(DEC31_LEAP, '%j %u %w %a', 'UTC')).toBe('366 2 2 Tue');
    expect(strftime(DEC31_2023, '%j %u %w %A', 'UTC')).toBe('365 7 0 Sunday');
  });

  it('week numbers: %U %W and ISO %G %g %V', () => {
    expect(strftime(NEW_YEAR_2024, '%U %W %G-W%V-%u', 'UTC')).toBe('00 01 2024-W01-1');
    expect(strftime(DEC30_2024, '%U %W %G-W%V-%u %g', 'UTC')).toBe('52 53 2025-W01-1 25');
    expect(strftime(JAN1_2021, '%U %W %G-W%V-%u', 'UTC')).toBe('00 00 2020-W53-5');
    expect(strftime(DEC31_2023, '%U %W %G-W%V', 'UTC')).toBe('53 52 2023-W52');
  });

  it('padding, width and case flags', () => {
    expect(strftime(MAR5, '%-d/%-m/%-y %-H:%-M:%-S %-j %-I', 'UTC')).toBe('5/3/24 13:7:9 65 1');
    expect(strftime(MAR5, '%_m|%_d|%0e|%_H|%-e|%-l', 'UTC')).toBe(' 3| 5|05|13|5|1');
    expect(strftime(MAR5, '%6Y|%4d|%_4d|%-4d', 'UTC')).toBe('002024|0005|   5|5');
    expect(strftime(MAR5, '%^a %^B %#p %#b %^Z %8A|%-8A|', 'UTC')).toBe('TUE MARCH pm MAR UTC  Tuesday|Tuesday|');
    expect(strftime(MAR5, '%3N %6N %1L %6L', 'UTC')).toBe('045 045000 0 045000');
  });

  it('combined directives', () => {
    expect(strftime(MAR5, '%F %T', 'UTC')).toBe('2024-03-05 13:07:09');
    expect(strftime(MAR5, '%D|%x|%R|%X|%r', 'UTC')).toBe('03/05/24|03/05/24|13:07|13:07:09|01:07:09 PM');
    expect(strftime(MAR5, '%c', 'UTC')).toBe('Tue Mar  5 13:07:09 2024');
    expect(strftime(MAR5, '%v', 'UTC')).toBe(' 5-MAR-2024');
    expect(strftime(MAR5, '%+', 'America/New_York')).toBe('Tue Mar  5 08:07:09 EST 2024');
  });

  it('literals, %%, %n, %t and unknown directives are kept as written', () => {
    expect(strftime(MAR5, 'at %H%% of %Y', 'UTC')).toBe('at 13% of 2024');
    expect(strftime(MAR5, 'a%nb%tc', 'UTC')).toBe('a\nb\tc');
    expect(strftime(MAR5, '%Q %-Q %:Y %K|', 'UTC')).toBe('%Q %-Q %:Y %K|');
    expect(strftime(MAR5, 'end %', 'UTC')).toBe('end %');
    expect(strftime(MAR5, 'end %-', 'UTC')).toBe('end %-');
    expect(strftime(MAR5, '', 'UTC')).toBe('');
    expect(strftime(MAR5, 'no directives', 'UTC')).toBe('no directives');
  });
});

describe('MQTT time topic payloads', () => {
  it('time/seconds, time/millis, time/ISO-8601, time/hours', () => {
    expect(timeSeconds(DOCS_ISO)).toBe('1562165236');
    expect(timeMillis(DOCS_ISO)).toBe('1562165236038');
    expect(timeIso(DOCS_ISO)).toBe('2019-07-03T14:47:16.038Z');
    expect(timeHours(DOCS_ISO)).toBe('14');
  });

  it('whole seconds still carry .000 and midnight is hour 0', () => {
    expect(timeIso(NEW_YEAR_2024)).toBe('2024-01-01T00:00:00.000Z');
    expect(timeHours(NEW_YEAR_2024)).toBe('0');
    expect(timeSeconds(NEW_YEAR_2024 + 999)).toBe('1704067200');
  });

  it('instants before 1970 round down', () => {
    expect(timeSeconds(-500)).toBe('-1');
    expect(timeMillis(-500)).toBe('-500');
    expect(timeIso(-500)).toBe('1969-12-31T23:59:59.500Z');
    expect(timeHours(-500)).toBe('23');
  });
});
