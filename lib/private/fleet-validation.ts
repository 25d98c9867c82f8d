import { Size, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { FleetOptions } from '../fleet';
import { MAX_FLEET_SIZE, resolveCapacity } from './fleet-defaults';
import { isKnownNumber, PropErrors } from './prop-validation';

/** Healthy-code matcher ALB accepts for HTTP: codes 200-499, single, range or comma-separated. */
const HTTP_CODES = /^[2-4]\d\d(-[2-4]\d\d)?(,[2-4]\d\d(-[2-4]\d\d)?)*$/;

/**
 * Checks one color's options. `prefix` is how the user wrote them (`blue.` inside a service, empty
 * for a standalone Fleet), so errors point at the exact prop.
 */
export function validateFleetProps(errors: PropErrors, prefix: string, options: FleetOptions | undefined): void {
  if (!errors.required(prefix ? prefix.replace(/\.$/, '') : 'props', options, 'an object with at least machineImage')) return;
  if (typeof options !== 'object') {
    errors.add(prefix.replace(/\.$/, ''), 'must be an object such as { machineImage, instanceType, userData, capacity }.');
    return;
  }
  const p = (name: string) => `${prefix}${name}`;
  if (errors.required(p('machineImage'), options.machineImage, 'an ec2.IMachineImage, for example MachineImage.latestAmazonLinux2023()')
    && typeof (options.machineImage as ec2.IMachineImage).getImage !== 'function') {
    errors.add(p('machineImage'), 'must be an ec2.IMachineImage, for example MachineImage.latestAmazonLinux2023().');
  }
  if (options.instanceType !== undefined && !(options.instanceType instanceof ec2.InstanceType)) {
    errors.add(p('instanceType'), 'must be an ec2.InstanceType, for example new InstanceType(\'t3.small\').');
  }
  if (options.userData !== undefined && typeof (options.userData as ec2.UserData).render !== 'function') {
    errors.add(p('userData'), 'must be an ec2.UserData, for example UserData.forLinux().');
  }
  validateCapacity(errors, prefix, options);
  validateHealthCheck(errors, prefix, options);
  errors.secondsInRange(p('healthCheckGracePeriod'), options.healthCheckGracePeriod, 0, 7200);
  if (options.rootVolumeSize !== undefined) {
    if (!(options.rootVolumeSize instanceof Size)) {
      errors.add(p('rootVolumeSize'), 'must be a Size, for example Size.gibibytes(20).');
    } else if (!Token.isUnresolved(options.rootVolumeSize.toString())) {
      let gib: number | undefined;
      try {
        gib = options.rootVolumeSize.toGibibytes();
      } catch {
        gib = undefined;
      }
      if (gib === undefined || !Number.isInteger(gib) || gib < 1 || gib > 65536) {
        errors.add(p('rootVolumeSize'), 'must be a whole number of GiB from 1 to 65536 (the gp3 maximum is 16 TiB = 16384 GiB).');
      }
    }
  }
  errors.nonEmptyString(p('rootDeviceName'), options.rootDeviceName, /^\/dev\/[a-z0-9]+$/, 'must be a device name such as /dev/xvda or /dev/sda1');
  validateBlockDevices(errors, prefix, options);
  if (options.policyStatements !== undefined && !Array.isArray(options.policyStatements)) {
    errors.add(p('policyStatements'), 'must be an array of iam.PolicyStatement.');
  }
  if (options.securityGroups !== undefined && !Array.isArray(options.securityGroups)) {
    errors.add(p('securityGroups'), 'must be an array of ec2.ISecurityGroup.');
  }
}

function validateCapacity(errors: PropErrors, prefix: string, options: FleetOptions): void {
  const c = options.capacity;
  if (c === undefined) return;
  const p = (name: string) => `${prefix}capacity.${name}`;
  if (typeof c !== 'object' || c === null) {
    errors.add(`${prefix}capacity`, 'must be an object { min, max, desired }.');
    return;
  }
  const before = errors.count;
  errors.integerInRange(p('min'), c.min, 0, MAX_FLEET_SIZE);
  errors.integerInRange(p('max'), c.max, 1, MAX_FLEET_SIZE);
  errors.integerInRange(p('desired'), c.desired, 0, MAX_FLEET_SIZE);
  if (errors.count > before) return;
  const resolved = resolveCapacity(c);
  const { min, max, desired } = resolved;
  const minText = c.min === undefined ? `${p('min')} (default ${min})` : `${p('min')} (${min})`;
  const maxText = c.max === undefined ? `${p('max')} (default ${max})` : `${p('max')} (${max})`;
  if (isKnownNumber(min) && isKnownNumber(max) && min > max) {
    errors.add(minText, `must be <= ${maxText}.`);
  }
  if (isKnownNumber(desired)) {
    if (isKnownNumber(min) && desired < min) errors.add(minText, `must be <= ${p('desired')} (${desired}).`);
    if (isKnownNumber(max) && desired > max) errors.add(`${p('desired')} (${desired})`, `must be <= ${maxText}.`);
  }
}

function validateHealthCheck(errors: PropErrors, prefix: string, options: FleetOptions): void {
  const hc = options.healthCheck;
  if (hc === undefined) return;
  const p = (name: string) => `${prefix}healthCheck.${name}`;
  if (typeof hc !== 'object' || hc === null) {
    errors.add(`${prefix}healthCheck`, 'must be an object { path, port, healthyHttpCodes, ... }.');
    return;
  }
  if (hc.path !== undefined && !Token.isUnresolved(hc.path)) {
    if (typeof hc.path !== 'string' || !/^\/[\x21-\x7e]{0,1023}$/.test(hc.path)) {
      errors.add(p('path'), `(${JSON.stringify(hc.path)}) must start with "/", contain no spaces and be at most 1024 characters.`);
    }
  }
  errors.integerInRange(p('port'), hc.port, 1, 65535);
  errors.nonEmptyString(p('healthyHttpCodes'), hc.healthyHttpCodes, HTTP_CODES,
    'must be HTTP codes from 200 to 499: a code (200), a range (200-299) or a comma-separated list (200,204)');
  errors.integerInRange(p('healthyThresholdCount'), hc.healthyThresholdCount, 2, 10);
  errors.integerInRange(p('unhealthyThresholdCount'), hc.unhealthyThresholdCount, 2, 10);
  const interval = errors.secondsInRange(p('interval'), hc.interval, 5, 300);
  const timeout = errors.secondsInRange(p('timeout'), hc.timeout, 2, 120);
  const effectiveInterval = interval ?? (hc.interval === undefined ? 10 : undefined);
  const effectiveTimeout = timeout ?? (hc.timeout === undefined ? 5 : undefined);
  if (effectiveInterval !== undefined && effectiveTimeout !== undefined && effectiveTimeout >= effectiveInterval) {
    errors.add(`${p('timeout')} (${effectiveTimeout}s${hc.timeout === undefined ? ', default' : ''})`,
      `must be less than ${p('interval')} (${effectiveInterval}s${hc.interval === undefined ? ', default' : ''}).`);
  }
}

function validateBlockDevices(errors: PropErrors, prefix: string, options: FleetOptions): void {
  const devices = options.blockDevices;
  if (devices === undefined) return;
  if (!Array.isArray(devices)) {
    errors.add(`${prefix}blockDevices`, 'must be an array of ec2.BlockDevice.');
    return;
  }
  const rootName = options.rootDeviceName ?? '/dev/xvda';
  devices.forEach((device, i) => {
    const p = `${prefix}blockDevices[${i}]`;
    if (!device || typeof device !== 'object' || typeof device.deviceName !== 'string' || !device.volume) {
      errors.add(p, 'must be { deviceName, volume } with volume from ec2.BlockDeviceVolume.');
      return;
    }
    if (device.deviceName === rootName) {
      errors.add(`${p}.deviceName`, `(${device.deviceName}) is the root device; set rootVolumeSize to size the root volume instead.`);
    }
    const ebs = device.volume.ebsDevice;
    if (ebs && ebs.encrypted !== true) {
      errors.add(`${p}.volume`, `(${device.deviceName}) must be encrypted: use BlockDeviceVolume.ebs(size, { encrypted: true }).`);
    }
  });
}
