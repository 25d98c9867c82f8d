import { loadBalancerInterfaceDescription, privateAddressesToTry } from '../../../lib/handlers/smoke-test/private-addresses';

describe('loadBalancerInterfaceDescription', () => {
  test('is "ELB " and the full name, the description ELB gives the interfaces', () => {
    expect(loadBalancerInterfaceDescription('app/Stack-WebLb-1A2B3C/50dc6c495c0c9188')).toBe('ELB app/Stack-WebLb-1A2B3C/50dc6c495c0c9188');
  });

  test.each([
    [''],
    ['Stack-WebLb-1A2B3C'],
    ['net/Stack-WebLb-1A2B3C/50dc6c495c0c9188'],
    ['arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188'],
    ['app/web*/50dc6c495c0c9188'],
  ])('rejects %j, naming the input and what to pass', (fullName) => {
    expect(() => loadBalancerInterfaceDescription(fullName)).toThrow(
      /^loadBalancerFullName must be an Application Load Balancer's full name, app\/<name>\/<id>.*Pass loadBalancer\.loadBalancerFullName/,
    );
  });
});

describe('privateAddressesToTry', () => {
  test('keeps only interfaces in use that have an address', () => {
    expect(privateAddressesToTry([
      { status: 'in-use', privateIpAddress: '10.0.1.20' },
      { status: 'available', privateIpAddress: '10.0.2.20' },
      { status: 'detaching', privateIpAddress: '10.0.3.20' },
      { status: 'in-use' },
      { privateIpAddress: '10.0.4.20' },
    ])).toEqual(['10.0.1.20']);
  });

  test('sorts numerically and lists each address once, so every invocation tries the same order', () => {
    const interfaces = [
      { status: 'in-use', privateIpAddress: '10.0.10.5' },
      { status: 'in-use', privateIpAddress: '10.0.2.5' },
      { status: 'in-use', privateIpAddress: '10.0.2.5' },
      { status: 'in-use', privateIpAddress: '9.255.0.1' },
    ];
    expect(privateAddressesToTry(interfaces)).toEqual(['9.255.0.1', '10.0.2.5', '10.0.10.5']);
    expect(privateAddressesToTry([...interfaces].reverse())).toEqual(['9.255.0.1', '10.0.2.5', '10.0.10.5']);
  });

  test('puts anything that is not IPv4 after the IPv4 addresses', () => {
    expect(privateAddressesToTry([
      { status: 'in-use', privateIpAddress: 'fd00::2' },
      { status: 'in-use', privateIpAddress: '10.0.0.1' },
      { status: 'in-use', privateIpAddress: 'fd00::1' },
    ])).toEqual(['10.0.0.1', 'fd00::1', 'fd00::2']);
  });

  test('is empty when no interface is in use', () => {
    expect(privateAddressesToTry([{ status: 'available', privateIpAddress: '10.0.1.20' }])).toEqual([]);
  });
});
